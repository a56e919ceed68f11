#include <QTest>
class TestBillingInspector final : public QObject
{
    Q_OBJECT
};
QTEST_MAIN(TestBillingInspector)
#include "TestBillingInspector.moc"
