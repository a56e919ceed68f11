#pragma once

#include <compare>
#include <optional>

#include <QString>
#include <QStringView>

namespace Fcemu::Billing {

// 128-bit intermediate for quantity × price products. A GCC/Clang extension; __extension__ keeps
// -Wpedantic quiet. Stored amounts stay in qint64, only the arithmetic in between is wider.
__extension__ typedef __int128 Int128;

// How a quotient that is not a whole number of the target unit is rounded (STYLE.md §5, after
// KMyMoney's MyMoneyMoney::roundingMethod). Which rule uses which mode:
//   Up       billed durations (FC bills every started 1 ms / 100 ms / 10 s unit, fc-semantics §6),
//            FC3's per-function CU per billing hour ("rounded up to integer per hour", §6.1).
//   Down     truncation; used for nothing by default, offered for what-if displays.
//   HalfUp   commercial rounding of a displayed amount to cents or micro-units.
//   HalfEven per-invocation cost estimates at 1 pico-unit: unbiased, so many small roundings do
//            not drift one way over a session.
enum class RoundingMode {
    Up,       // away from zero
    Down,     // toward zero
    HalfUp,   // to nearest, ties away from zero
    HalfEven, // to nearest, ties to the even neighbour
};

// numerator / denominator rounded with mode. denominator must be > 0.
Int128 divideRounded(Int128 numerator, Int128 denominator, RoundingMode mode);

// numerator / denominator as a decimal with at most maxDecimals decimals (HalfEven beyond them),
// trailing zeros trimmed: formatDecimal(1475, 100000) == "0.01475". No digit grouping.
QString formatDecimal(Int128 numerator, Int128 denominator, int maxDecimals = 18);

// Parses "12", "0.000016384", "-3.5" exactly into value × 10^scale. Refuses exponents, group
// separators, and non-zero digits beyond scale decimals (the value would not be exact).
std::optional<Int128> parseDecimal(QStringView text, int scale);

// An amount of money: an integer count of pico-units (1e-12 of the currency, i.e. micro-units
// with six extra decimals) and an ISO currency code.
//
// Why pico: FC2's USD 0.000016384 per GB-s is 16 pico-USD per MB·ms, so every default FC2 charge
// is a whole number of pico-units and sums over a session exactly; a single 118 ms call at 128 MB
// costs 241,664 pico-USD (0.000000241664), which micro-units would round to 0. qint64 pico covers
// ±9,223,372 currency units, far beyond a local session or a month at FC3's top tier (1,000M CU ×
// CNY 0.00011 = CNY 110,000). Products are formed in 128 bits and saturate at the qint64 range.
class Money final
{
public:
    static constexpr qint64 kPicoPerUnit = 1'000'000'000'000;
    static constexpr qint64 kPicoPerMicro = 1'000'000;
    static constexpr int kDecimals = 12;

    Money() = default;
    static Money fromPico(qint64 pico, const QString &currency);
    // Exact: "0.000016384" → 16,384,000 pico. nullopt for text that is not a decimal of at most
    // 12 decimals.
    static std::optional<Money> fromDecimal(QStringView text, const QString &currency);

    qint64 pico() const { return m_pico; }
    const QString &currency() const { return m_currency; }
    bool isZero() const { return m_pico == 0; }

    // This amount taken as a unit price, times the quantity numerator/denominator, rounded to a
    // whole pico-unit with mode: GB-s price × (MB·ms / 1,024,000).
    Money times(Int128 numerator, Int128 denominator, RoundingMode mode) const;
    // Whole micro-units (the unit the issue asks for), rounded with mode.
    qint64 micros(RoundingMode mode) const;
    // Rounded to decimals (0..12) decimals of the currency: rounded(2, HalfUp) gives cents.
    Money rounded(int decimals, RoundingMode mode) const;

    // Currency units as a double, for the JSON report's "cost" (CONTRACT §1.2).
    double toDouble() const;
    // Exact, trailing zeros trimmed, no currency: "0.000000241664", "10", "-0.5".
    QString toString() const;
    // Exactly decimals decimals after rounding with mode: toString(6, HalfEven) == "0.000000".
    QString toString(int decimals, RoundingMode mode) const;
    // "USD 0.000000241664".
    QString toDisplayString() const;

    Money &operator+=(const Money &other);
    Money &operator-=(const Money &other);
    friend Money operator+(Money a, const Money &b) { return a += b; }
    friend Money operator-(Money a, const Money &b) { return a -= b; }
    // Exact repetition (n equal charges); saturates at the qint64 range.
    friend Money operator*(const Money &a, qint64 n);
    friend bool operator==(const Money &a, const Money &b) = default;

private:
    Money(qint64 pico, QString currency) : m_pico(pico), m_currency(std::move(currency)) {}

    qint64 m_pico = 0;
    QString m_currency;
};

// Clamps a 128-bit intermediate into the qint64 range Money stores.
qint64 saturateToInt64(Int128 value);

} // namespace Fcemu::Billing
