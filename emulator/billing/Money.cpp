#include "Money.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace Fcemu::Billing {

namespace {

Int128 absolute(Int128 v)
{
    return v < 0 ? -v : v;
}

Int128 powerOfTen(int exponent)
{
    Int128 result = 1;
    for (int i = 0; i < exponent; ++i)
        result *= 10;
    return result;
}

// Decimal digits of a non-negative 128-bit integer (QString::number has no __int128 overload).
QString digitsOf(Int128 value)
{
    if (value == 0)
        return u"0"_qs;
    QString reversed;
    while (value > 0) {
        reversed.append(QChar(u'0' + static_cast<char16_t>(value % 10)));
        value /= 10;
    }
    std::reverse(reversed.begin(), reversed.end());
    return reversed;
}

// value / 10^decimals written out with exactly decimals decimals.
QString fixedPoint(Int128 value, int decimals)
{
    const bool negative = value < 0;
    QString digits = digitsOf(absolute(value));
    if (decimals > 0) {
        if (digits.size() <= decimals)
            digits.prepend(QString(decimals - digits.size() + 1, u'0'));
        digits.insert(digits.size() - decimals, u'.');
    }
    return negative ? u'-' + digits : digits;
}

QString trimZeros(QString text)
{
    if (!text.contains(u'.'))
        return text;
    while (text.endsWith(u'0'))
        text.chop(1);
    if (text.endsWith(u'.'))
        text.chop(1);
    return text == u"-0"_qs ? u"0"_qs : text;
}

} // namespace

Int128 divideRounded(Int128 numerator, Int128 denominator, RoundingMode mode)
{
    Q_ASSERT(denominator > 0);
    const bool negative = numerator < 0;
    const Int128 magnitude = absolute(numerator);
    Int128 quotient = magnitude / denominator;
    const Int128 remainder = magnitude % denominator;
    if (remainder != 0) {
        const Int128 twice = remainder * 2;
        switch (mode) {
        case RoundingMode::Up:
            ++quotient;
            break;
        case RoundingMode::Down:
            break;
        case RoundingMode::HalfUp:
            if (twice >= denominator)
                ++quotient;
            break;
        case RoundingMode::HalfEven:
            if (twice > denominator || (twice == denominator && quotient % 2 != 0))
                ++quotient;
            break;
        }
    }
    return negative ? -quotient : quotient;
}

QString formatDecimal(Int128 numerator, Int128 denominator, int maxDecimals)
{
    // Whole part and remainder separately: numerator × 10^maxDecimals would overflow 128 bits for
    // a month of CU in 1e-19 units (33,600 CU is 3.36e23 of them).
    Q_ASSERT(denominator > 0);
    const bool negative = numerator < 0;
    const Int128 magnitude = absolute(numerator);
    Int128 whole = magnitude / denominator;
    const Int128 scale = powerOfTen(maxDecimals);
    Int128 fraction =
        divideRounded((magnitude % denominator) * scale, denominator, RoundingMode::HalfEven);
    if (fraction == scale) // 0.9999… rounded up to the next whole number
        ++whole, fraction = 0;
    QString text = digitsOf(whole);
    if (maxDecimals > 0) {
        const QString digits = digitsOf(fraction);
        text += u'.' + QString(maxDecimals - digits.size(), u'0') + digits;
    }
    text = trimZeros(text);
    return negative && text != u"0"_qs ? u'-' + text : text;
}

std::optional<Int128> parseDecimal(QStringView text, int scale)
{
    text = text.trimmed();
    bool negative = false;
    if (text.startsWith(u'-') || text.startsWith(u'+')) {
        negative = text.front() == u'-';
        text = text.mid(1);
    }
    if (text.isEmpty())
        return std::nullopt;
    Int128 value = 0;
    int decimals = -1; // -1: no point seen yet
    bool anyDigit = false;
    for (const QChar c : text) {
        if (c == u'.') {
            if (decimals >= 0)
                return std::nullopt;
            decimals = 0;
            continue;
        }
        if (c < u'0' || c > u'9')
            return std::nullopt;
        anyDigit = true;
        const int digit = c.unicode() - u'0';
        if (decimals >= scale) {
            if (digit != 0) // a non-zero digit the scale cannot hold: not exact
                return std::nullopt;
            continue;
        }
        if (value > powerOfTen(30))
            return std::nullopt; // absurdly large; keeps the 128-bit arithmetic safe
        value = value * 10 + digit;
        if (decimals >= 0)
            ++decimals;
    }
    if (!anyDigit)
        return std::nullopt;
    value *= powerOfTen(scale - std::max(decimals, 0));
    return negative ? -value : value;
}

qint64 saturateToInt64(Int128 value)
{
    constexpr qint64 hi = std::numeric_limits<qint64>::max();
    constexpr qint64 lo = std::numeric_limits<qint64>::min();
    if (value > hi)
        return hi;
    if (value < lo)
        return lo;
    return static_cast<qint64>(value);
}

Money Money::fromPico(qint64 pico, const QString &currency)
{
    return Money(pico, currency);
}

std::optional<Money> Money::fromDecimal(QStringView text, const QString &currency)
{
    const auto value = parseDecimal(text, kDecimals);
    if (!value || *value != Int128(saturateToInt64(*value)))
        return std::nullopt;
    return Money(static_cast<qint64>(*value), currency);
}

Money Money::times(Int128 numerator, Int128 denominator, RoundingMode mode) const
{
    return Money(saturateToInt64(divideRounded(Int128(m_pico) * numerator, denominator, mode)),
                 m_currency);
}

qint64 Money::micros(RoundingMode mode) const
{
    return saturateToInt64(divideRounded(m_pico, kPicoPerMicro, mode));
}

Money Money::rounded(int decimals, RoundingMode mode) const
{
    decimals = std::clamp(decimals, 0, kDecimals);
    const Int128 step = powerOfTen(kDecimals - decimals);
    return Money(saturateToInt64(divideRounded(m_pico, step, mode) * step), m_currency);
}

double Money::toDouble() const
{
    // Split so that amounts above 2^53 pico keep their integer part exactly.
    const qint64 whole = m_pico / kPicoPerUnit;
    const qint64 fraction = m_pico % kPicoPerUnit;
    return static_cast<double>(whole) + static_cast<double>(fraction) / double(kPicoPerUnit);
}

QString Money::toString() const
{
    return trimZeros(fixedPoint(m_pico, kDecimals));
}

QString Money::toString(int decimals, RoundingMode mode) const
{
    decimals = std::clamp(decimals, 0, kDecimals);
    return fixedPoint(divideRounded(m_pico, powerOfTen(kDecimals - decimals), mode), decimals);
}

QString Money::toDisplayString() const
{
    return m_currency.isEmpty() ? toString() : m_currency + u' ' + toString();
}

Money &Money::operator+=(const Money &other)
{
    // A default-constructed (zero, no currency) amount takes the other's currency, so totals can
    // start from Money(). Mixing two currencies is a programming error.
    Q_ASSERT(m_currency.isEmpty() || other.m_currency.isEmpty() || m_currency == other.m_currency);
    if (m_currency.isEmpty())
        m_currency = other.m_currency;
    m_pico = saturateToInt64(Int128(m_pico) + other.m_pico);
    return *this;
}

Money &Money::operator-=(const Money &other)
{
    Q_ASSERT(m_currency.isEmpty() || other.m_currency.isEmpty() || m_currency == other.m_currency);
    if (m_currency.isEmpty())
        m_currency = other.m_currency;
    m_pico = saturateToInt64(Int128(m_pico) - other.m_pico);
    return *this;
}

Money operator*(const Money &a, qint64 n)
{
    return Money(saturateToInt64(Int128(a.m_pico) * n), a.m_currency);
}

} // namespace Fcemu::Billing
