#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "billing/PriceTable.h"

using namespace Fcemu;
using namespace Fcemu::Billing;

// The dated price table: the shipped defaults (CONTRACT §8, fc-semantics §6) and user overrides.
class TestPriceTable final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) < 0)
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void builtInFigures_data()
    {
        QTest::addColumn<QString>("actual");
        QTest::addColumn<QString>("expected");
        const PriceTable t = PriceTable::builtIn();
        const auto usd = t.cuTiers(u"USD"_qs);
        const auto cny = t.cuTiers(u"CNY"_qs);
        QTest::addRow("fc2 requests cost USD 0.2 per million (CONTRACT §8)")
            << t.fc2().requestPricePerMillion.toDisplayString() << u"USD 0.2"_qs;
        QTest::addRow("fc2 GB-s cost USD 0.000016384 (CONTRACT §8)")
            << t.fc2().gbSecondPrice.toDisplayString() << u"USD 0.000016384"_qs;
        QTest::addRow("fc2 free tier is 1,000,000 requests a month (CONTRACT §8)")
            << QString::number(t.fc2().freeRequestsPerMonth) << u"1000000"_qs;
        QTest::addRow("fc2 free tier is 400,000 GB-s a month (CONTRACT §8)")
            << QString::number(t.fc2().freeGbSecondsPerMonth) << u"400000"_qs;
        QTest::addRow("fc2 bills per 1 ms, legacy per 100 ms (fc-semantics §6.2)")
            << QString::number(t.fc2().granularityMs) + u'/' +
                   QString::number(t.fc2().legacyGranularityMs)
            << u"1/100"_qs;
        QTest::addRow("fc2 rates are those before the 2024-08-27 move to CU")
            << t.fc2().source.effectiveDate.toString(Qt::ISODate) << u"2024-08-26"_qs;
        QTest::addRow("fc2 cites CONTRACT §8 and the pricing page")
            << QString::number(t.fc2().source.citation.contains(u"CONTRACT §8"_qs) &&
                               t.fc2().source.url.contains(u"doc-detail/54301"_qs))
            << u"1"_qs;
        QTest::addRow("fc3 active factors: vCPU-s 1, memory GB-s 0.15, disk GB-s 0.05, call 0.0075")
            << QString::number(t.fc3().active.vcpuSecondMicro) + u'/' +
                   QString::number(t.fc3().active.memoryGbSecondMicro) + u'/' +
                   QString::number(t.fc3().active.diskGbSecondMicro) + u'/' +
                   QString::number(t.fc3().active.invocationMicro)
            << u"1000000/150000/50000/7500"_qs;
        QTest::addRow("fc3 idle factors: vCPU 0, memory and disk as active, no call CU")
            << QString::number(t.fc3().idle.vcpuSecondMicro) + u'/' +
                   QString::number(t.fc3().idle.memoryGbSecondMicro) + u'/' +
                   QString::number(t.fc3().idle.diskGbSecondMicro) + u'/' +
                   QString::number(t.fc3().idle.invocationMicro)
            << u"0/150000/50000/0"_qs;
        QTest::addRow("fc3 disk: 512 MB free, 10 GB as the alternative (fc-semantics §10.7)")
            << QString::number(t.fc3().diskFreeMB) + u'/' +
                   QString::number(t.fc3().diskFreeMBAlternative)
            << u"512/10240"_qs;
        QTest::addRow("fc3 USD tiers: 0.00002 to 100M, 0.000017 to 500M, then 0.000014")
            << (usd.size() == 3
                    ? usd[0].price.toString() + u'@' + QString::number(usd[0].upToCu.value_or(-1)) +
                          u' ' + usd[1].price.toString() + u'@' +
                          QString::number(usd[1].upToCu.value_or(-1)) + u' ' +
                          usd[2].price.toString() + u'@' +
                          QString::number(usd[2].upToCu.value_or(-1))
                    : QString())
            << u"0.00002@100000000 0.000017@500000000 0.000014@-1"_qs;
        QTest::addRow("fc3 CNY tiers: 0.00011 to 200M, 0.0001 to 1000M, then 0.00009")
            << (cny.size() == 3 ? cny[0].price.toDisplayString() + u'@' +
                                      QString::number(cny[0].upToCu.value_or(-1)) + u' ' +
                                      cny[1].price.toString() + u'@' +
                                      QString::number(cny[1].upToCu.value_or(-1)) + u' ' +
                                      cny[2].price.toString() + u'@' +
                                      QString::number(cny[2].upToCu.value_or(-1))
                                : QString())
            << u"CNY 0.00011@200000000 0.0001@1000000000 0.00009@-1"_qs;
        QTest::addRow("fc3 rates date from the 2024-08-27 move to CU")
            << t.fc3().source.effectiveDate.toString(Qt::ISODate) << u"2024-08-27"_qs;
        QTest::addRow("fc3 cites CONTRACT §8 and fc-semantics §6.1")
            << QString::number(t.fc3().source.citation.contains(u"CONTRACT §8"_qs) &&
                               t.fc3().source.citation.contains(u"fc-semantics §6.1"_qs))
            << u"1"_qs;
        QTest::addRow("the built-in table says where it came from")
            << t.origin() << u":/billing/prices.json"_qs;
    }
    void builtInFigures()
    {
        QFETCH(QString, actual);
        QFETCH(QString, expected);
        QCOMPARE(actual, expected);
    }

    void userFileOverridesOneKey()
    {
        const QString path = write(u"override.json"_qs,
                                   R"({"fc2": {"gbSecondPrice": "0.00001667"},
                      "fc3": {"tiers": {"EUR": [{"upToCu": null, "price": 0.00002}]}}})");
        const auto table = PriceTable::load(path);
        QVERIFY2(table, table ? "" : qPrintable(table.error().message));
        QCOMPARE(table->fc2().gbSecondPrice.toString(), u"0.00001667"_qs);
        // Everything the file does not name stays as built in.
        QCOMPARE(table->fc2().requestPricePerMillion.toString(), u"0.2"_qs);
        QCOMPARE(table->cuTiers(u"USD"_qs).size(), 3);
        // A JSON number is accepted as well as a decimal string.
        QCOMPARE(table->cuTiers(u"EUR"_qs).value(0).price.toDisplayString(), u"EUR 0.00002"_qs);
        QCOMPARE(table->origin(), path);
    }

    void badFileIsOneLineNamingFileAndKey_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected"); // after "<path>: "
        QTest::addRow("truncated JSON names the byte")
            << QByteArray(R"({"fc2": )") << u"not valid JSON at byte"_qs;
        QTest::addRow("a misspelt literal names the byte and the parser's complaint")
            << QByteArray(R"({"fc2": {"gbSecondPrice": tru}})")
            << u"not valid JSON at byte 30: syntax error while parsing value - invalid literal"_qs;
        QTest::addRow("a number too large for a double is refused, not fatal")
            << QByteArray(R"({"fc2": {"gbSecondPrice": 1e999}})")
            << u"not valid JSON: number overflow parsing '1e999'"_qs;
        QTest::addRow("a top-level list is not a table")
            << QByteArray("[1, 2]") << u"(top level): expected a JSON object"_qs;
        QTest::addRow("a price in words names fc2.gbSecondPrice")
            << QByteArray(R"({"fc2": {"gbSecondPrice": "cheap"}})")
            << u"fc2.gbSecondPrice: expected a non-negative decimal"_qs;
        QTest::addRow("a negative price is refused")
            << QByteArray(R"({"fc2": {"requestPricePerMillion": "-0.2"}})")
            << u"fc2.requestPricePerMillion: expected a non-negative decimal"_qs;
        QTest::addRow("a price finer than 1 pico-unit is refused, not rounded")
            << QByteArray(R"({"fc2": {"gbSecondPrice": "0.0000163840001"}})")
            << u"fc2.gbSecondPrice: expected a non-negative decimal with at most 12 decimals"_qs;
        QTest::addRow("a CU factor finer than a millionth is refused")
            << QByteArray(R"({"fc3": {"active": {"memoryGbSecond": "0.1500001"}}})")
            << u"fc3.active.memoryGbSecond: expected a non-negative decimal with at most 6"_qs;
        QTest::addRow("a free tier that is not a whole number names the nested key")
            << QByteArray(R"({"fc2": {"freeTier": {"requestsPerMonth": "lots"}}})")
            << u"fc2.freeTier.requestsPerMonth: expected a whole number"_qs;
        QTest::addRow("a date in another format is refused")
            << QByteArray(R"({"fc3": {"effectiveDate": "27/08/2024"}})")
            << u"fc3.effectiveDate: expected a date such as"_qs;
        QTest::addRow("removing a required key (null in a merge patch) says it is missing")
            << QByteArray(R"({"fc2": {"currency": null}})") << u"fc2.currency: missing"_qs;
        QTest::addRow("tier boundaries must increase")
            << QByteArray(
                   R"({"fc3": {"tiers": {"USD": [{"upToCu": 5, "price": "1"}, {"upToCu": 3, "price": "1"}, {"upToCu": null, "price": "1"}]}}})")
            << u"fc3.tiers.USD[1].upToCu: tier boundaries must increase"_qs;
        QTest::addRow("the last tier must be unbounded")
            << QByteArray(R"({"fc3": {"tiers": {"EUR": [{"upToCu": 5, "price": "1"}]}}})")
            << u"fc3.tiers.EUR[0].upToCu: the last tier must be unbounded"_qs;
        QTest::addRow("a tier without a price names it")
            << QByteArray(R"({"fc3": {"tiers": {"EUR": [{"upToCu": null}]}}})")
            << u"fc3.tiers.EUR[0].price: missing"_qs;
    }
    void badFileIsOneLineNamingFileAndKey()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        const QString path = write(u"bad-prices.json"_qs, content);
        const auto table = PriceTable::load(path);
        QVERIFY(!table);
        const QString message = table.error().message;
        QVERIFY2(message.startsWith(path + u": "_qs + expected), qPrintable(message));
        QVERIFY2(!message.contains(u'\n'), qPrintable(message));
        QCOMPARE(table.error().kind, ErrorKind::Usage);
    }

    void missingFileIsAnIoError()
    {
        const QString path = m_dir.filePath(u"no-such-prices.json"_qs);
        const auto table = PriceTable::load(path);
        QVERIFY(!table);
        QCOMPARE(table.error().kind, ErrorKind::Io);
        QVERIFY2(table.error().message.startsWith(path + u": "_qs),
                 qPrintable(table.error().message));
    }
};

QTEST_APPLESS_MAIN(TestPriceTable)
#include "TestPriceTable.moc"
