#include <QTest>

#include "common/Units.h"

using namespace Fcemu;

class TestUnits final : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::addRow("a bare number is bytes") << u"512"_qs << qint64(512);
        QTest::addRow("K is 1024") << u"64K"_qs << qint64(65536);
        QTest::addRow("MB is binary") << u"10MB"_qs << qint64(10 * 1024 * 1024);
        QTest::addRow("GiB is accepted") << u"3GiB"_qs << qint64(3LL << 30);
        QTest::addRow("fractions round down") << u"1.5K"_qs << qint64(1536);
        QTest::addRow("garbage is refused") << u"ten"_qs << qint64(-1);
        QTest::addRow("negative is refused") << u"-5M"_qs << qint64(-1);
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const auto parsed = parseByteSize(text);
        if (bytes < 0)
            QVERIFY(!parsed);
        else
            QCOMPARE(qint64(parsed.value_or(0)), bytes);
    }
    void format()
    {
        QCOMPARE(formatBytes(100), u"100 B"_qs);
        QCOMPARE(formatBytes(1536), u"1.50 KiB"_qs);
        QCOMPARE(formatBytes(200ULL << 20), u"200.0 MiB"_qs);
    }
};

QTEST_APPLESS_MAIN(TestUnits)
#include "TestUnits.moc"
