// The cold-versus-warm card of View ▸ Presentation: its figures worked out from records (the ×
// factor, billed and unbilled time, the cost and the cost per million calls, the line of why),
// the newest cold and warm call picked from a store, and the card as drawn.
#include <QLabel>
#include <QTest>

#include "PresentationFixtures.h"
#include "Screenshots.h"
#include "presentation/ColdWarmCard.h"
#include "telemetry/RecordStore.h"
#include "window/LayoutCheck.h"

using namespace Fcemu;
using Test::CallShape;
using Test::presentationCall;

class TestColdWarmCard final : public QObject
{
    Q_OBJECT

private slots:
    void coldStartupIsNotBilledInFc2()
    {
        // A 1.2 s start-up around a 40 ms request, beside a warm 60 ms request.
        const auto cold =
            presentationCall(1, {.cold = true, .sandboxMs = 50, .startupMs = 1150, .waitMs = 39});
        const auto warm = presentationCall(2, {.queueMs = 0.2, .waitMs = 59});
        const auto c = Ui::ColdWarmComparison::of(&cold, &warm);
        QVERIFY(c.cold && c.warm);
        QCOMPARE(c.cold->totalMs, 1240.0);
        QCOMPARE(c.cold->billedMs, 40.0);
        QCOMPARE(c.cold->unbilledMs, 1200.0);
        QCOMPARE(c.cold->billedDurationMs, 40);
        QCOMPARE(c.warm->totalMs, 60.2);
        QCOMPARE(c.warm->billedMs, 60.0);
        QVERIFY(qAbs(c.warm->unbilledMs - 0.2) < 1e-9);
        QCOMPARE(c.warm->billedDurationMs, 60);
        QVERIFY(qAbs(c.factor - 1240.0 / 60.2) < 1e-9);
        QCOMPARE(Ui::formatTimesFactor(c.factor), u"21×"_qs);

        // fc2 at 128 MB: USD 0.2 per million requests (200,000 pico-USD a call) and
        // USD 0.000016384 per GB-s (16 pico-USD per MB·ms): 200,000 + 128 × 40 × 16.
        QCOMPARE(c.cold->cost.pico(), 200'000 + 128 * 40 * 16);
        QCOMPARE(c.warm->cost.pico(), 200'000 + 128 * 60 * 16);
        QCOMPARE(c.cold->cost, cold.billing.cost);
        QCOMPARE(c.cold->costPerMillion.pico(), qint64(281'920) * 1'000'000);
        QCOMPARE(Ui::formatMoney(c.cold->costPerMillion),
                 Ui::formatMoney(cold.billing.cost * 1'000'000));
        QCOMPARE(c.warm->costPerMillion.pico(), qint64(322'880) * 1'000'000);

        // Each phase in kPhases' order, the request's parts billed, the start-up not.
        QList<Telemetry::Phase> phases;
        QList<bool> billed;
        for (const auto &p : c.cold->phases) {
            phases << p.phase;
            billed << p.billed;
        }
        using P = Telemetry::Phase;
        QCOMPARE(phases, (QList<P>{P::Sandbox, P::Startup, P::Send, P::Wait, P::Receive}));
        QCOMPARE(billed, (QList<bool>{false, false, true, true, true}));

        // The why, from these numbers: a cold call cheaper than a warm one.
        QCOMPARE(c.why, u"The cold start's 1.20 s of start-up is not billed in fc2; only its "
                        "40 ms invocation is, so it cost less than the warm call, whose "
                        "request took longer (60 ms)."_qs);
    }

    void billedPullAndEqualCosts()
    {
        // fc2 charges an image pull (not cached); both requests bill 20 ms.
        const auto cold = presentationCall(
            1, {.cold = true, .pullMs = 500, .sandboxMs = 40, .startupMs = 300, .waitMs = 19});
        const auto warm = presentationCall(2, {.waitMs = 19});
        const auto c = Ui::ColdWarmComparison::of(&cold, &warm);
        QCOMPARE(c.cold->billedMs, 520.0); // the pull and the request
        QCOMPARE(c.cold->unbilledMs, 340.0);
        QVERIFY(c.cold->phases.first().phase == Telemetry::Phase::Pull);
        QVERIFY(c.cold->phases.first().billed);
        QVERIFY(c.cold->cost.pico() > c.warm->cost.pico()); // the pull's GB-s
        QVERIFY2(c.why.contains(u"(and the image pull)"_qs), qPrintable(c.why));
        QVERIFY2(c.why.contains(u"cost more than the warm call"_qs), qPrintable(c.why));

        // fc3 reports the pull but does not charge it.
        CallShape fc3{.cold = true,
                      .pullMs = 500,
                      .sandboxMs = 40,
                      .startupMs = 300,
                      .waitMs = 19,
                      .model = Billing::Model::Fc3};
        const auto cold3 = presentationCall(3, fc3);
        const auto warm3 = presentationCall(4, {.waitMs = 19, .model = Billing::Model::Fc3});
        const auto c3 = Ui::ColdWarmComparison::of(&cold3, &warm3);
        QVERIFY(!c3.cold->phases.first().billed);
        QCOMPARE(c3.cold->billedMs, 20.0);
        QCOMPARE(c3.cold->cost, c3.warm->cost);
        QVERIFY2(c3.why.startsWith(u"The cold start's 840 ms of start-up is not billed in fc3"_qs),
                 qPrintable(c3.why));
        QVERIFY2(c3.why.contains(u"cost the same as the warm call"_qs), qPrintable(c3.why));
    }

    void latestSkipsRefusedCalls()
    {
        Telemetry::RecordStore store;
        QVERIFY(Ui::ColdWarmComparison::latest(store).why.startsWith(u"No call yet"_qs));
        store.append(
            presentationCall(1, {.cold = true, .sandboxMs = 50, .startupMs = 100, .waitMs = 9}));
        store.append(presentationCall(2, {.waitMs = 4}));
        auto c = Ui::ColdWarmComparison::latest(store);
        QCOMPARE(c.cold->requestId, store.at(0).requestId);
        QCOMPARE(c.warm->requestId, store.at(1).requestId);
        store.append(
            presentationCall(3, {.cold = true, .sandboxMs = 60, .startupMs = 90, .waitMs = 9}));
        store.append(presentationCall(4, {.waitMs = 2}));
        store.append(Test::throttledCall(5)); // not cold, but no instance ran it
        c = Ui::ColdWarmComparison::latest(store);
        QCOMPARE(c.cold->requestId, store.at(2).requestId);
        QCOMPARE(c.warm->requestId, store.at(3).requestId);
        QCOMPARE(c.warm->totalMs, 3.0);

        Telemetry::RecordStore warmOnly;
        warmOnly.append(presentationCall(6, {.waitMs = 2}));
        c = Ui::ColdWarmComparison::latest(warmOnly);
        QVERIFY(!c.cold && c.warm);
        QCOMPARE(c.factor, 0.0);
        QVERIFY(c.why.contains(u"no cold start"_qs));
    }

    void cardShowsTheFigures()
    {
        Telemetry::RecordStore store;
        store.append(presentationCall(
            1,
            {.cold = true, .sandboxMs = 50, .startupMs = 1150, .initializeMs = 30, .waitMs = 39}));
        store.append(presentationCall(2, {.queueMs = 0.2, .waitMs = 59}));
        Ui::ColdWarmCard card;
        card.showLatest(store);
        QCOMPARE(card.factorText(), u"Cold took 21× as long as warm"_qs);
        QCOMPARE(card.whyText(), card.comparison().why);
        QStringList texts;
        for (const QLabel *label : card.findChildren<QLabel *>())
            texts << label->text();
        for (const QString &expected :
             {u"Per million calls"_qs, Ui::formatMoney(card.comparison().cold->costPerMillion),
              Ui::formatMoney(card.comparison().warm->costPerMillion), u"not billed"_qs,
              u"1.27 s"_qs /* the cold total */})
            QVERIFY2(texts.contains(expected),
                     qPrintable(expected + u" in "_qs + texts.join(u" | ")));
        // Nothing cut at the size the presentation gives it on a 1280x720 screen.
        card.resize(640, 520);
        card.show();
        QVERIFY(QTest::qWaitForWindowExposed(&card));
        const auto cut = Ui::findCutText(&card);
        QStringList problems;
        for (const auto &c : cut)
            problems << c.toString();
        QVERIFY2(cut.isEmpty(), qPrintable(problems.join(u'\n')));
        QVERIFY(Test::saveScreenshot(&card, u"fcemu-cold-warm-card.png"_qs));
    }
};

QTEST_MAIN(TestColdWarmCard)
#include "TestColdWarmCard.moc"
