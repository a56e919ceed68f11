#include <QTest>
class TestInstanceTimeline final : public QObject
{
    Q_OBJECT
};
QTEST_MAIN(TestInstanceTimeline)
#include "TestInstanceTimeline.moc"
