#pragma once

// How the desktop app writes figures, so every panel agrees: durations, sizes, money, times,
// and the colours of the cold-start phases and instance states (used by the request list's
// waterfall bars, the Timing inspector and the Instances lanes alike).

#include <QColor>
#include <QDateTime>
#include <QList>
#include <QPalette>
#include <QString>

#include "billing/Money.h"
#include "runtime/InstanceState.h"
#include "telemetry/InvocationRecord.h"
#include "telemetry/Phases.h"

namespace Fcemu::Ui {

// "0.42 ms", "18.6 ms", "1.25 s", "2 min 5 s"
QString formatDuration(double ms);
// "13.2 MB", "1.5 GB" (MB = MiB, as FC's "Max Memory Used" is)
QString formatMegabytes(double mb);
// "$0.0000019", "¥0.00011": the exact decimal, no rounding beyond the money's own precision
QString formatMoney(const Billing::Money &money);
// "14:03:27.512" in local time
QString formatClock(const QDateTime &time);

// The phases of a request are telemetry's (telemetry/Phases.h); the GUI adds their labels,
// explanations and colours.
using Telemetry::Phase;
struct PhaseSpan
{
    Phase phase;
    double ms = 0;
};
QString phaseName(Phase phase);        // "Image pull", "Sandbox", ...
QString phaseExplanation(Phase phase); // one sentence for teaching
// The record's phases in order, with the ones that did not happen (0 ms) left out. The
// request's send/wait/receive replace invokeMs when they were measured.
QList<PhaseSpan> phasesOf(const Telemetry::InvocationRecord &record);
// True when the palette in use is dark (its base, where text and rows sit, is dark).
bool isDarkPalette(const QPalette &palette);
// Red for error text that keeps its contrast on a light and on a dark background.
QColor errorTextColor(const QPalette &palette);

// What FC made of a call, as the status pill and the request list show it: a function error or a
// timeout comes back as 200 with X-Fc-Error-Type, so the status code alone reads as a success.
enum class Outcome {
    Success,       // 2xx/3xx and no error
    HttpError,     // the function answered 4xx/5xx itself
    FunctionError, // the function failed: unhandled error, OOM, initializer failure
    Timeout,       // FunctionTimeoutError
    PlatformError  // FC could not run it: not started, throttled (429), exited, ...
};
Outcome outcomeOf(const Telemetry::InvocationRecord &record);
QString outcomeName(Outcome outcome); // "OK", "Function error", "Timeout", ...
// Green for success, red for function errors and timeouts, amber for platform and HTTP errors.
QColor outcomeColor(Outcome outcome, const QPalette &palette);

// Distinct, readable on light and dark backgrounds.
QColor phaseColor(Phase phase);
QColor instanceStateColor(Runtime::InstanceState state);

} // namespace Fcemu::Ui
