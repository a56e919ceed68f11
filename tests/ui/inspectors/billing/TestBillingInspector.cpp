#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include "Screenshots.h"

#include "billing/Billing.h"
#include "inspectors/billing/BillingInspector.h"
#include "inspectors/billing/WhatIfChart.h"
#include "session/FunctionSession.h"
#include "telemetry/InvocationRecord.h"

using namespace Fcemu;
using namespace Fcemu::Ui;

namespace {

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    for (const QPalette::ColorRole role :
         {QPalette::ButtonText, QPalette::WindowText, QPalette::Text})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}

// A record priced as runtime::closeRecord prices it.
Telemetry::InvocationRecord record(Billing::Model model, int memoryMB, double invokeMs,
                                   double pullMs, const QString &id = u"1-test"_qs)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.memorySizeMB = memoryMB;
    r.timings.invokeMs = invokeMs;
    r.timings.pullMs = pullMs;
    Billing::InvocationUsage usage;
    usage.memoryMB = memoryMB;
    usage.vcpu = 0.5;
    usage.diskMB = 512;
    usage.durationMs = invokeMs;
    usage.pullMs = pullMs;
    usage.imageCached = pullMs == 0;
    Billing::BillingOptions options;
    options.model = model;
    r.billing = Billing::charge(usage, options, Billing::PriceTable::builtIn());
    return r;
}

Billing::WorkingLine lineNamed(const WorkingModel *model, const QString &label)
{
    for (const Billing::WorkingLine &line : model->lines())
        if (line.label == label)
            return line;
    return {};
}

constexpr qint64 kFc2PicoPerMbMs = 16;         // USD 0.000016384 per GB-s / 1,024,000 MB·ms
constexpr qint64 kFc2PicoPerRequest = 200'000; // USD 0.2 per million

} // namespace

class TestBillingInspector final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void showsWorkingOfSpecPullExample();
    void clearsWithoutRecord();
    void saysWhyAColdCallCostsLess();
    void sumsSessionTotalsFc2();
    void sumsSessionTotalsFc3WithComputeUnits();
    void restartsTotalsOnModelChange();
    void feedsFromSession();
    void whatIfRowsFc2();
    void whatIfScalesCpuBoundDuration();
    void whatIfSizesIncludeCurrent();
    void rendersLightAndDark();

private:
    Session::FunctionSession *m_session = nullptr;
    BillingInspector *m_inspector = nullptr;
};

void TestBillingInspector::init()
{
    m_session = new Session::FunctionSession;
    m_inspector = new BillingInspector(m_session);
}

void TestBillingInspector::cleanup()
{
    delete m_inspector;
    delete m_session;
}

void TestBillingInspector::showsWorkingOfSpecPullExample()
{
    // CONTRACT §8: "a 1,024 MB instance pulling for 10 s is 10 GB-s".
    const auto r = record(Billing::Model::Fc2, 1024, 100, 10'000);
    QAbstractItemModelTester tester(m_inspector->workingModel());
    QSignalSpy reset(m_inspector->workingModel(), &QAbstractItemModel::modelReset);
    m_inspector->showRecord(&r);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(m_inspector->workingModel()->lines(), r.billing.working);
    QCOMPARE(lineNamed(m_inspector->workingModel(), u"Image pull GB-s"_qs),
             (Billing::WorkingLine{u"Image pull GB-s"_qs, u"1 GB"_qs, u"× 10 s pulling"_qs,
                                   u"10 GB-s"_qs}));
    QCOMPARE(
        lineNamed(m_inspector->workingModel(), u"Invocation GB-s"_qs),
        (Billing::WorkingLine{u"Invocation GB-s"_qs, u"1 GB"_qs, u"× 0.1 s"_qs, u"0.1 GB-s"_qs}));
    // The table shows quantity × factor = amount in its columns.
    const QAbstractItemModel *m = m_inspector->workingModel();
    QCOMPARE(m->columnCount(), 4);
    QCOMPARE(m->headerData(2, Qt::Horizontal).toString(), u"× Factor"_qs);
    int pullRow = -1;
    for (int row = 0; row < m->rowCount(); ++row)
        if (m->index(row, 0).data().toString() == u"Image pull GB-s"_qs)
            pullRow = row;
    QVERIFY(pullRow >= 0);
    QCOMPARE(m->index(pullRow, 3).data().toString(), u"10 GB-s"_qs);
    const qint64 total = (1024 * (100 + 10'000)) * kFc2PicoPerMbMs + kFc2PicoPerRequest;
    QCOMPARE(r.billing.cost.pico(), total);
}

void TestBillingInspector::clearsWithoutRecord()
{
    const auto r = record(Billing::Model::Fc2, 128, 10, 0);
    m_inspector->showRecord(&r);
    QVERIFY(m_inspector->workingModel()->rowCount() > 0);
    QCOMPARE(m_inspector->whatIfRows().size(), 9);
    m_inspector->showRecord(nullptr);
    QCOMPARE(m_inspector->workingModel()->rowCount(), 0);
    QCOMPARE(m_inspector->whatIfRows().size(), 0);
}

void TestBillingInspector::saysWhyAColdCallCostsLess()
{
    auto cold = record(Billing::Model::Fc2, 512, 12, 0, u"1-cold"_qs);
    cold.coldStart = true;
    cold.timings.sandboxMs = 40;
    cold.timings.startupMs = 310;
    m_inspector->showRecord(&cold);
    const QString note = m_inspector->coldStartNote();
    QVERIFY2(note.contains(u"not billed in fc2"_qs), qPrintable(note));
    QVERIFY2(note.contains(u"350 ms"_qs), qPrintable(note));
    QVERIFY2(note.contains(u"(12 ms)"_qs), qPrintable(note));
    auto warm = record(Billing::Model::Fc2, 512, 20, 0, u"1-warm"_qs);
    warm.coldStart = false;
    m_inspector->showRecord(&warm);
    QCOMPARE(m_inspector->coldStartNote(), QString());
    // fc3 bills an instance's whole active time: no such note.
    auto fc3 = record(Billing::Model::Fc3, 512, 12, 0, u"1-fc3"_qs);
    fc3.timings = cold.timings;
    QCOMPARE(Ui::BillingInspector::coldStartNoteFor(fc3), QString());
}

void TestBillingInspector::sumsSessionTotalsFc2()
{
    QAbstractItemModelTester tester(m_inspector->sessionWorkingModel());
    QCOMPARE(m_inspector->totalsText(u"Invocations"_qs), u"0"_qs);
    m_inspector->addInvocation(record(Billing::Model::Fc2, 1024, 100, 10'000, u"1-a"_qs));
    m_inspector->addInvocation(record(Billing::Model::Fc2, 1024, 400, 0, u"1-b"_qs));
    QCOMPARE(m_inspector->totals().invocations(), 2);
    QCOMPARE(m_inspector->totals().gbSeconds(), 0.5);
    QCOMPARE(m_inspector->totals().imagePullGbSeconds(), 10.0);
    QCOMPARE(m_inspector->totalsText(u"Invocations"_qs), u"2"_qs);
    QCOMPARE(m_inspector->totalsText(u"GB-s"_qs), u"0.5"_qs);
    QCOMPARE(m_inspector->totalsText(u"Image pull GB-s"_qs), u"10"_qs);
    QCOMPARE(m_inspector->totalsText(u"CU"_qs), u"— (fc2)"_qs);
    const qint64 pico = 1024 * (100 + 10'000 + 400) * kFc2PicoPerMbMs + 2 * kFc2PicoPerRequest;
    QCOMPARE(m_inspector->totals().cost().pico(), pico);
    QCOMPARE(m_inspector->totalsText(u"Cost"_qs), u"$0.000172432"_qs);
    QCOMPARE(m_inspector->sessionWorkingModel()->lines(), m_inspector->totals().working());
    QVERIFY(m_inspector->sessionWorkingModel()->rowCount() > 0);
}

void TestBillingInspector::sumsSessionTotalsFc3WithComputeUnits()
{
    m_inspector->resetTotals(Billing::Model::Fc3);
    // 512 MB, 0.5 vCPU, 512 MB disk (free), 1 s: 0.5 vCPU-s × 1 + 0.5 GB-s × 0.15 + 75/10,000.
    m_inspector->addInvocation(record(Billing::Model::Fc3, 512, 1000, 0));
    QCOMPARE(m_inspector->totals().cu().value(), 0.5825);
    QCOMPARE(m_inspector->totalsText(u"CU"_qs), u"0.5825"_qs);
    QCOMPARE(m_inspector->totalsText(u"GB-s"_qs), u"0.5"_qs);
    m_inspector->addInvocation(record(Billing::Model::Fc3, 512, 1000, 0));
    QCOMPARE(m_inspector->totalsText(u"CU"_qs), u"1.165"_qs);
    // 1.165 CU at USD 0.00002
    QCOMPARE(m_inspector->totals().cost().pico(), 23'300'000);
    QCOMPARE(m_inspector->totalsText(u"Cost"_qs), u"$0.0000233"_qs);
}

void TestBillingInspector::restartsTotalsOnModelChange()
{
    m_inspector->addInvocation(record(Billing::Model::Fc2, 128, 10, 0));
    m_inspector->addInvocation(record(Billing::Model::Fc2, 128, 10, 0));
    QCOMPARE(m_inspector->totals().invocations(), 2);
    m_inspector->addInvocation(record(Billing::Model::Fc3, 512, 1000, 0));
    QCOMPARE(m_inspector->totals().options().model, Billing::Model::Fc3);
    QCOMPARE(m_inspector->totals().invocations(), 1);
}

void TestBillingInspector::feedsFromSession()
{
    emit m_session->invocationFinished(record(Billing::Model::Fc2, 256, 20, 0));
    QCOMPARE(m_inspector->totals().invocations(), 1);
    QCOMPARE(m_inspector->totalsText(u"GB-s"_qs), u"0.005"_qs);
}

void TestBillingInspector::whatIfRowsFc2()
{
    const auto r = record(Billing::Model::Fc2, 1024, 100, 10'000);
    m_inspector->showRecord(&r);
    const QList<Billing::WhatIfRow> &rows = m_inspector->whatIfRows();
    QCOMPARE(rows.size(), 9);
    QCOMPARE(m_inspector->whatIfCurrentMB(), 1024);
    for (int i = 0; i < rows.size(); ++i) {
        const int mb = 128 << i;
        QCOMPARE(rows.at(i).memoryMB, mb);
        QCOMPARE(rows.at(i).billedDurationMs, 100);
        // The pull is charged at every size too: the image is not cached.
        QCOMPARE(rows.at(i).cost.pico(),
                 qint64(mb) * (100 + 10'000) * kFc2PicoPerMbMs + kFc2PicoPerRequest);
    }
    QCOMPARE(rows.at(3).cost, r.billing.cost); // 1,024 MB: the record itself
    QCOMPARE(rows.at(0).gbSeconds, 0.0125);

    // Hovering a point says its figures: 1 GB × (100 + 10,000) ms at 16 pico/MB·ms + 0.2 µUSD
    // = USD 0.000166 per call, 165.7 per million.
    auto *chart = m_inspector->findChild<Ui::WhatIfChart *>();
    QVERIFY(chart);
    QCOMPARE(chart->pointText(1.0), u"1 GB: 100 ms billed, USD 165.7 per 1M calls"_qs);
    QCOMPARE(chart->pointText(0.125), u"128 MB: 100 ms billed, USD 20.88 per 1M calls"_qs);
    QCOMPARE(chart->pointText(1.1), chart->pointText(1.0)); // near a point counts
    QCOMPARE(chart->pointText(1000), QString());            // far from every point
}

void TestBillingInspector::whatIfScalesCpuBoundDuration()
{
    const auto r = record(Billing::Model::Fc2, 1024, 100, 0);
    m_inspector->showRecord(&r);
    auto *cpuBound = m_inspector->findChild<QCheckBox *>();
    QVERIFY(cpuBound);
    cpuBound->setChecked(true);
    const QList<Billing::WhatIfRow> &rows = m_inspector->whatIfRows();
    QCOMPARE(rows.size(), 9);
    // 1 vCPU per GB when the vCPU is not configured: 2 GB runs in half the time.
    QCOMPARE(rows.at(3).billedDurationMs, 100);
    QCOMPARE(rows.at(4).billedDurationMs, 50);
    QCOMPARE(rows.at(5).billedDurationMs, 25);
    QCOMPARE(rows.at(2).billedDurationMs, 200);
    // The same GB-s wherever the vCPU scales linearly.
    QCOMPARE(rows.at(2).gbSeconds, rows.at(4).gbSeconds);
    cpuBound->setChecked(false);
    QCOMPARE(m_inspector->whatIfRows().at(4).billedDurationMs, 100);
}

void TestBillingInspector::whatIfSizesIncludeCurrent()
{
    QCOMPARE(BillingInspector::whatIfSizes(1536),
             (QList<int>{128, 256, 512, 1024, 1536, 2048, 4096, 8192, 16384, 32768}));
    QCOMPARE(BillingInspector::whatIfSizes(512).size(), 9);
    const auto r = record(Billing::Model::Fc2, 1536, 10, 0);
    m_inspector->showRecord(&r);
    QCOMPARE(m_inspector->whatIfRows().size(), 10);
    QCOMPARE(m_inspector->whatIfRows().at(4).memoryMB, 1536);
    QCOMPARE(m_inspector->whatIfRows().at(4).cost, r.billing.cost);
}

void TestBillingInspector::rendersLightAndDark()
{
    m_inspector->addInvocation(record(Billing::Model::Fc2, 1024, 100, 10'000, u"1-a"_qs));
    m_inspector->addInvocation(record(Billing::Model::Fc2, 1024, 250, 0, u"1-b"_qs));
    const auto r =
        record(Billing::Model::Fc2, 1024, 117.3, 10'000, u"1-6603951e-157f3f32-7fe6f248d7d0"_qs);
    m_inspector->showRecord(&r);
    m_inspector->resize(520, 760);
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    QVERIFY(Test::saveScreenshot(m_inspector, u"billing-light.png"_qs));

    const QPalette light = QApplication::palette();
    QApplication::setPalette(darkPalette());
    QTRY_COMPARE(m_inspector->palette().color(QPalette::Base), QColor(0x1e, 0x1e, 0x1e));
    m_inspector->resetTotals(Billing::Model::Fc3);
    m_inspector->addInvocation(record(Billing::Model::Fc3, 512, 1000, 0));
    const auto r3 = record(Billing::Model::Fc3, 512, 1000, 0, u"1-fc3"_qs);
    m_inspector->showRecord(&r3);
    QVERIFY(Test::saveScreenshot(m_inspector, u"billing-dark.png"_qs));
    QApplication::setPalette(light);
}

QTEST_MAIN(TestBillingInspector)
#include "TestBillingInspector.moc"
