#pragma once

#include <optional>

#include <QList>
#include <QWidget>

#include "billing/Money.h"
#include "common/Format.h"
#include "telemetry/InvocationRecord.h"

class QGridLayout;
class QLabel;

namespace Fcemu::Telemetry {
class RecordStore;
}

namespace Fcemu::Ui {

// One call of the cold-versus-warm card, worked out from its record: each phase (common/Format's
// phasesOf, in kPhases' order) and whether the record's billing model bills it, the totals, and
// what the call costs alone and a million times.
struct CardCall
{
    struct Phase
    {
        Telemetry::Phase phase;
        double ms = 0;
        bool billed = false;
    };
    QString requestId;
    bool cold = false;
    QList<Phase> phases;
    double totalMs = 0;
    double billedMs = 0;         // measured time of the billed phases
    double unbilledMs = 0;       // the rest of totalMs
    qint64 billedDurationMs = 0; // what the bill counts (rounded up: 1 ms or 100 ms units)
    Billing::Model model = Billing::Model::Fc2;
    Billing::Money cost;
    Billing::Money costPerMillion; // cost × 1,000,000, exact

    static CardCall of(const Telemetry::InvocationRecord &record);
    // Whether `model` bills this phase of a record: the request itself (invoke, or its send,
    // wait and receive), and in fc2 an image pull that was charged; never the queue, the
    // sandbox, the start-up, the initializer or pre-freeze (runtime::closeRecord bills invokeMs).
    static bool isBilled(const Telemetry::InvocationRecord &record, Telemetry::Phase phase);
};

// The card's figures: the latest cold and warm call, the × factor and the one line of why.
struct ColdWarmComparison
{
    std::optional<CardCall> cold;
    std::optional<CardCall> warm;
    // cold total / warm total; 0 unless both are there.
    double factor = 0;
    // "The cold start's 1.2 s of start-up is not billed in fc2; only its 40 ms invocation is …"
    QString why;

    static ColdWarmComparison of(const Telemetry::InvocationRecord *cold,
                                 const Telemetry::InvocationRecord *warm);
    // The newest successful cold and warm call in the store (calls FC refused, such as 429, and
    // calls that never reached an instance are left out).
    static ColdWarmComparison latest(const Telemetry::RecordStore &store);
};

// "31×", "1.4×", "0.8×"
QString formatTimesFactor(double factor);

// The cold-versus-warm card of View ▸ Presentation: two columns (the latest cold call, the
// latest warm call), each with a bar of its phases to one scale (billed time solid, unbilled
// time hatched), a row per phase with its time and whether it is billed, the totals, the cost
// and the cost per million calls; the × factor between them and the line of why below.
class ColdWarmCard final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ColdWarmCard)

public:
    explicit ColdWarmCard(QWidget *parent = nullptr);

    void setComparison(const ColdWarmComparison &comparison);
    const ColdWarmComparison &comparison() const { return m_comparison; }
    // Reads the latest cold and warm call of the store again.
    void showLatest(const Telemetry::RecordStore &store);

    QString factorText() const;
    QString whyText() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();
    void fillColumn(int column, const std::optional<CardCall> &call, double scaleMs);

    ColdWarmComparison m_comparison;
    QLabel *m_factor = nullptr;
    QLabel *m_why = nullptr;
    QGridLayout *m_grid = nullptr;
};

} // namespace Fcemu::Ui
