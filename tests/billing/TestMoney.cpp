#include <QTest>

#include "billing/Money.h"

#include "MoneyTestPrinter.h"

using namespace Fcemu::Billing;

Q_DECLARE_METATYPE(Fcemu::Billing::RoundingMode)

// Money and the rounding modes (STYLE.md §5: integer minor units, explicit rounding).
class TestMoney final : public QObject
{
    Q_OBJECT

private slots:
    void divideRounded_data()
    {
        QTest::addColumn<qint64>("numerator");
        QTest::addColumn<qint64>("denominator");
        QTest::addColumn<RoundingMode>("mode");
        QTest::addColumn<qint64>("expected");
        QTest::addRow("Up bills a started unit: 1/3 → 1") << 1LL << 3LL << RoundingMode::Up << 1LL;
        QTest::addRow("Up leaves an exact quotient alone: 6/3 → 2")
            << 6LL << 3LL << RoundingMode::Up << 2LL;
        QTest::addRow("Down truncates: 2/3 → 0") << 2LL << 3LL << RoundingMode::Down << 0LL;
        QTest::addRow("HalfUp takes a tie away from zero: 5/2 → 3")
            << 5LL << 2LL << RoundingMode::HalfUp << 3LL;
        QTest::addRow("HalfUp rounds below half down: 1/3 → 0")
            << 1LL << 3LL << RoundingMode::HalfUp << 0LL;
        QTest::addRow("HalfEven takes a tie to even: 5/2 → 2")
            << 5LL << 2LL << RoundingMode::HalfEven << 2LL;
        QTest::addRow("HalfEven takes a tie to even: 7/2 → 4")
            << 7LL << 2LL << RoundingMode::HalfEven << 4LL;
        QTest::addRow("HalfEven rounds above half up: 5/3 → 2")
            << 5LL << 3LL << RoundingMode::HalfEven << 2LL;
        QTest::addRow("Up is away from zero for a credit: -1/3 → -1")
            << -1LL << 3LL << RoundingMode::Up << -1LL;
        QTest::addRow("HalfUp is symmetric: -5/2 → -3")
            << -5LL << 2LL << RoundingMode::HalfUp << -3LL;
        QTest::addRow("HalfEven is symmetric: -5/2 → -2")
            << -5LL << 2LL << RoundingMode::HalfEven << -2LL;
    }
    void divideRounded()
    {
        QFETCH(qint64, numerator);
        QFETCH(qint64, denominator);
        QFETCH(RoundingMode, mode);
        QFETCH(qint64, expected);
        QCOMPARE(qint64(Fcemu::Billing::divideRounded(numerator, denominator, mode)), expected);
    }

    void micros_data()
    {
        QTest::addColumn<QString>("amount");
        QTest::addColumn<RoundingMode>("mode");
        QTest::addColumn<qint64>("micros");
        QTest::addRow("HalfEven: 2.5 micro-units → 2")
            << u"0.0000025"_qs << RoundingMode::HalfEven << 2LL;
        QTest::addRow("HalfEven: 3.5 micro-units → 4")
            << u"0.0000035"_qs << RoundingMode::HalfEven << 4LL;
        QTest::addRow("HalfUp: 2.5 micro-units → 3")
            << u"0.0000025"_qs << RoundingMode::HalfUp << 3LL;
        QTest::addRow("Up: 0.241664 micro-units → 1 (a 118 ms call at 128 MB)")
            << u"0.000000241664"_qs << RoundingMode::Up << 1LL;
        QTest::addRow("Down: 0.241664 micro-units → 0 (why micro-units alone lose calls)")
            << u"0.000000241664"_qs << RoundingMode::Down << 0LL;
        QTest::addRow("a whole amount is exact in every mode")
            << u"0.2"_qs << RoundingMode::Up << 200000LL;
    }
    void micros()
    {
        QFETCH(QString, amount);
        QFETCH(RoundingMode, mode);
        QFETCH(qint64, micros);
        const auto money = Money::fromDecimal(amount, u"USD"_qs);
        QVERIFY(money);
        QCOMPARE(money->micros(mode), micros);
    }

    void parseAndFormat_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("pico");   // -1: refused
        QTest::addColumn<QString>("exact"); // toString()
        QTest::addRow("USD 0.000016384 per GB-s is 16,384,000 pico-units")
            << u"0.000016384"_qs << 16'384'000LL << u"0.000016384"_qs;
        QTest::addRow("trailing zeros are accepted and trimmed")
            << u"0.000020"_qs << 20'000'000LL << u"0.00002"_qs;
        QTest::addRow("integers parse") << u"10"_qs << 10'000'000'000'000LL << u"10"_qs;
        QTest::addRow("12 decimals is the finest amount")
            << u"0.000000000001"_qs << 1LL << u"0.000000000001"_qs;
        QTest::addRow("a 13th non-zero decimal is refused, not rounded")
            << u"0.0000000000001"_qs << -1LL << QString();
        QTest::addRow("exponents are refused") << u"1.6384e-5"_qs << -1LL << QString();
        QTest::addRow("words are refused") << u"cheap"_qs << -1LL << QString();
        QTest::addRow("negative amounts parse (credits)")
            << u"-0.5"_qs << -500'000'000'000LL << u"-0.5"_qs;
    }
    void parseAndFormat()
    {
        QFETCH(QString, text);
        QFETCH(qint64, pico);
        QFETCH(QString, exact);
        const auto money = Money::fromDecimal(text, u"USD"_qs);
        if (pico == -1) {
            QVERIFY(!money);
            return;
        }
        QVERIFY(money);
        QCOMPARE(money->pico(), pico);
        QCOMPARE(money->toString(), exact);
    }

    void fixedDecimals_data()
    {
        QTest::addColumn<QString>("amount");
        QTest::addColumn<int>("decimals");
        QTest::addColumn<RoundingMode>("mode");
        QTest::addColumn<QString>("text");
        QTest::addRow("CNY 3.696 shows as 3.70 (FCDOCS worked example: 3.7 元)")
            << u"3.696"_qs << 2 << RoundingMode::HalfUp << u"3.70"_qs;
        QTest::addRow("a tie to cents HalfUp goes up: 0.125 → 0.13")
            << u"0.125"_qs << 2 << RoundingMode::HalfUp << u"0.13"_qs;
        QTest::addRow("a tie to cents HalfEven goes to even: 0.125 → 0.12")
            << u"0.125"_qs << 2 << RoundingMode::HalfEven << u"0.12"_qs;
        QTest::addRow("a sub-micro amount shows as zero micro-units when rounded HalfEven")
            << u"0.000000441664"_qs << 6 << RoundingMode::HalfEven << u"0.000000"_qs;
        QTest::addRow("the same amount rounded Up shows one micro-unit")
            << u"0.000000441664"_qs << 6 << RoundingMode::Up << u"0.000001"_qs;
    }
    void fixedDecimals()
    {
        QFETCH(QString, amount);
        QFETCH(int, decimals);
        QFETCH(RoundingMode, mode);
        QFETCH(QString, text);
        const auto money = Money::fromDecimal(amount, u"CNY"_qs);
        QVERIFY(money);
        QCOMPARE(money->toString(decimals, mode), text);
        QCOMPARE(money->rounded(decimals, mode).toString(decimals, RoundingMode::Down), text);
    }

    void timesPricesAQuantity()
    {
        // 0.01475 GB-s (128 MB × 118 ms = 15,104 MB·ms) at USD 0.000016384 per GB-s.
        const Money price = *Money::fromDecimal(u"0.000016384", u"USD"_qs);
        const Money fee = price.times(128 * 118, 1024 * 1000, RoundingMode::HalfEven);
        QCOMPARE(fee.toString(), u"0.000000241664"_qs);
        QCOMPARE(fee.currency(), u"USD"_qs);
        QCOMPARE(fee.toDisplayString(), u"USD 0.000000241664"_qs);
        QCOMPARE(fee.toDouble(), 2.41664e-7);
    }

    void millionTinyAmountsSumExactly()
    {
        const Money tiny = *Money::fromDecimal(u"0.000000441664", u"USD"_qs);
        Money sum;
        for (int i = 0; i < 1'000'000; ++i)
            sum += tiny;
        QCOMPARE(sum.toString(), u"0.441664"_qs);
        QCOMPARE(sum, tiny * 1'000'000);
        QCOMPARE(sum.currency(), u"USD"_qs);
        // A double accumulator does not get this exactly right; the integer one must.
        double naive = 0;
        for (int i = 0; i < 1'000'000; ++i)
            naive += 0.000000441664;
        QVERIFY(naive != 0.441664);
    }

    void formatDecimalIsExact()
    {
        QCOMPARE(formatDecimal(15104, 1024000), u"0.01475"_qs);
        QCOMPARE(formatDecimal(1, 1024000), u"0.0000009765625"_qs);
        QCOMPARE(formatDecimal(10240000, 1024000), u"10"_qs);
        // A month of CU in 1e-19 units does not overflow: 33,600 CU is 3.36e23 units.
        const Int128 e19 = Int128(10'000'000'000) * 1'000'000'000;
        QCOMPARE(formatDecimal(Int128(33'600) * e19, e19), u"33600"_qs);
        QCOMPARE(formatDecimal(Int128(-1) * e19 / 4, e19), u"-0.25"_qs);
        QCOMPARE(formatDecimal(Int128(2) * e19 - 1, e19, 6), u"2"_qs);
    }
};

QTEST_APPLESS_MAIN(TestMoney)
#include "TestMoney.moc"
