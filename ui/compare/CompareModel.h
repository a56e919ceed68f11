#pragma once

#include <optional>

#include <QColor>
#include <QList>
#include <QPalette>
#include <QString>
#include <QStringList>

#include "common/Format.h"
#include "telemetry/InvocationRecord.h"

// What differs between two runs (issue 13 item 5), worked out without widgets so it is tested
// on its own: the phases (each one's ms for both, the difference, the ×-factor), the header
// lists (added, removed, changed), the log tails (a line diff) and the cost. CompareView shows it.
namespace Fcemu::Ui {

// One side of a comparison: a record of this session or one read from a HAR file.
struct CompareRun
{
    const Telemetry::InvocationRecord *record = nullptr;
    QString source;              // "This session", "chrome.har"
    bool hasPlatformData = true; // false: a browser's HAR entry (the HTTP part only)

    // "cold · 201 · http POST /upload" (the row's gist, no id)
    QString summary() const;
};

enum class Change {
    Same,
    Added,   // only in B
    Removed, // only in A
    Changed, // in both, different
};
QString changeMark(Change change); // "", "+", "−", "≠"
QString changeName(Change change); // "same", "only in B", "only in A", "changed"
// The theme's colours for a change: green for added, red for removed, amber for changed; the
// tint is the same colour faint enough to put text on in either palette.
QColor changeColor(Change change, const QPalette &palette);
QColor changeTint(Change change, const QPalette &palette);

// The two sides' colours in bars and titles (A blue, B orange), readable on both palettes.
QColor runColor(int side, const QPalette &palette);

struct PhaseDiff
{
    std::optional<Phase> phase; // nullopt: the Total row
    QString name;               // "Image pull", ..., "Total"
    double aMs = 0;
    double bMs = 0;
    double differenceMs() const { return bMs - aMs; }
    // B's time as a multiple of A's; nullopt when one of them is 0 (the phase happened once).
    std::optional<double> factor() const;
    // Same when the two are within noise: less than 0.5 ms apart, or less than 5 %.
    Change change() const;
};
// Every phase that happened in either run, in the order they happen (phasesOf's phases: a
// measured send/wait/receive, else the whole request as wait), then the total.
QList<PhaseDiff> comparePhases(const Telemetry::InvocationRecord &a,
                               const Telemetry::InvocationRecord &b);

struct HeaderDiff
{
    QString name; // as A wrote it (B's for a header only B has)
    QString a;    // empty when absent (see change)
    QString b;
    Change change = Change::Same;
    // A header that differs on every call by design (the request id, the date): its change is
    // real but tells nothing; the view shows it muted.
    bool perCall = false;
};
// Headers matched by name without regard to case, a repeated one (Set-Cookie) by its
// occurrence; A's order first, then the ones only B has in B's order.
QList<HeaderDiff> compareHeaders(const Telemetry::HeaderList &a, const Telemetry::HeaderList &b);

struct LogDiff
{
    QString a; // the line of A (empty for an added line)
    QString b;
    Change change = Change::Same;
};
// A line diff (longest common subsequence) of the last `tail` lines of each. Lines are compared
// with the run's own request id, instance id and ISO timestamps masked, so "FC Invoke Start
// RequestId: …" matches across runs; a removed line followed by an added one is shown as
// one changed line.
QList<LogDiff> compareLogs(const Telemetry::InvocationRecord &a,
                           const Telemetry::InvocationRecord &b, int tail = 200);
// The text a log line is compared by (see compareLogs).
QString logKey(const QString &line, const Telemetry::InvocationRecord &record);

struct CostDiff
{
    QString name; // "Billed duration", "GB-s", "Cost per call", "Cost per 1M calls", ...
    QString a;    // formatted; "not recorded" for a browser's HAR entry
    QString b;
    QString difference; // "+110 ms", "−USD 0.0000012", "" when it cannot be said
    std::optional<double> factor;
    Change change = Change::Same;
};
// The billing of each run: model, memory, billed duration, GB-s (CU under fc3), image pull GB-s
// when either was billed for one, the cost of the call and of a million such calls.
QList<CostDiff> compareCost(const CompareRun &a, const CompareRun &b);

// "×3.2", "×0.04", "×1.0": how a factor is written everywhere in the view.
QString formatFactor(double factor);
// "+12.5 ms", "−3.1 ms", "±0 ms"
QString formatDifferenceMs(double ms);

// One sentence for the top of the view: "B took 412 ms longer than A (×18): B was a cold start
// and A warm; the image unpack (91.7 ms) and the sandbox …" — the biggest differences first.
QString compareHeadline(const CompareRun &a, const CompareRun &b);

} // namespace Fcemu::Ui
