#include <QTest>
class TestInstancesInspector final : public QObject
{
    Q_OBJECT
};
QTEST_MAIN(TestInstancesInspector)
#include "TestInstancesInspector.moc"
