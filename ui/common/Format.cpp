#include "Format.h"
#include "telemetry/FcErrors.h"

#include <cmath>

#include <QObject>

namespace Fcemu::Ui {

QString formatDuration(double ms)
{
    if (ms < 1)
        return QString::number(ms, 'f', 2) + u" ms"_qs;
    if (ms < 1000)
        return QString::number(ms, 'f', ms < 100 ? 1 : 0) + u" ms"_qs;
    const double s = ms / 1000;
    if (s < 60)
        return QString::number(s, 'f', 2) + u" s"_qs;
    const qint64 whole = qint64(std::round(s));
    return QString::number(whole / 60) + u" min "_qs + QString::number(whole % 60) + u" s"_qs;
}

QString formatMegabytes(double mb)
{
    if (mb >= 1024)
        return QString::number(mb / 1024, 'f', 2) + u" GB"_qs;
    return QString::number(mb, 'f', mb < 10 ? 2 : 1) + u" MB"_qs;
}

QString formatMoney(const Billing::Money &money)
{
    const QString symbol = money.currency() == u"CNY"_qs ? u"¥"_qs : u"$"_qs;
    return symbol + money.toString();
}

QString formatClock(const QDateTime &time)
{
    return time.toLocalTime().toString(u"HH:mm:ss.zzz"_qs);
}

QString phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Queue:
        return QObject::tr("Queue");
    case Phase::Pull:
        return QObject::tr("Image pull");
    case Phase::Unpack:
        return QObject::tr("Unpack");
    case Phase::Sandbox:
        return QObject::tr("Sandbox");
    case Phase::Startup:
        return QObject::tr("Startup");
    case Phase::Initialize:
        return QObject::tr("Initializer");
    case Phase::Invoke:
        return QObject::tr("Invoke");
    case Phase::Send:
        return QObject::tr("Send");
    case Phase::Wait:
        return QObject::tr("Wait");
    case Phase::Receive:
        return QObject::tr("Receive");
    case Phase::PreFreeze:
        return QObject::tr("Pre-freeze");
    }
    return {};
}

QString phaseExplanation(Phase phase)
{
    switch (phase) {
    case Phase::Queue:
        return QObject::tr("Waiting for a free instance (or for the one before it, in "
                           "non-web-server mode).");
    case Phase::Pull:
        return QObject::tr("FC pulls the image from the registry; here the archive is read, or "
                           "the pull is simulated at --pull-bandwidth. Billed in fc2.");
    case Phase::Unpack:
        return QObject::tr("The layers are unpacked into the image cache; 0 when cached.");
    case Phase::Sandbox:
        return QObject::tr("Namespaces, the root filesystem and PID 1 are set up for the "
                           "instance.");
    case Phase::Startup:
        return QObject::tr("From starting the command until its HTTP server answers on "
                           "CAPort.");
    case Phase::Initialize:
        return QObject::tr("POST /initialize, once per instance, before its first request.");
    case Phase::Invoke:
        return QObject::tr("The request at the instance: sending it, the function working, "
                           "reading the response.");
    case Phase::Send:
        return QObject::tr("Writing the request to the instance.");
    case Phase::Wait:
        return QObject::tr("The function working: until the first byte of its response.");
    case Phase::Receive:
        return QObject::tr("Reading the rest of the response.");
    case Phase::PreFreeze:
        return QObject::tr("GET /pre-freeze after the request, before FC freezes the "
                           "instance.");
    }
    return {};
}

QList<PhaseSpan> phasesOf(const Telemetry::InvocationRecord &record)
{
    const Telemetry::Timings &t = record.timings;
    QList<PhaseSpan> spans;
    const auto add = [&spans](Phase phase, double ms) {
        if (ms > 0)
            spans.append({phase, ms});
    };
    // invokeMs is shown as its split when it was measured, else as one "Wait" (the function
    // working is what a reader looks for there).
    const bool split = t.sendMs + t.waitMs + t.receiveMs > 0;
    for (const Telemetry::PhaseField &field : Telemetry::kPhases) {
        if (field.phase == Phase::Invoke) {
            if (!split)
                add(Phase::Wait, t.*field.ms);
        } else if (!field.partOfInvoke || split) {
            add(field.phase, t.*field.ms);
        }
    }
    return spans;
}

bool isDarkPalette(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor errorTextColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
}

Outcome outcomeOf(const Telemetry::InvocationRecord &record)
{
    if (record.error) {
        const QString &code = record.error->code;
        if (code == Telemetry::FcError::FunctionTimeout)
            return Outcome::Timeout;
        if (Telemetry::FcError::isFunctionError(code))
            return Outcome::FunctionError;
        return Outcome::PlatformError;
    }
    if (record.statusCode == 429)
        return Outcome::PlatformError;
    if (record.statusCode >= 400)
        return Outcome::HttpError;
    return Outcome::Success;
}

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Success:
        return QObject::tr("OK");
    case Outcome::HttpError:
        return QObject::tr("HTTP error");
    case Outcome::FunctionError:
        return QObject::tr("Function error");
    case Outcome::Timeout:
        return QObject::tr("Timeout");
    case Outcome::PlatformError:
        return QObject::tr("Platform error");
    }
    return {};
}

QColor outcomeColor(Outcome outcome, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    switch (outcome) {
    case Outcome::Success:
        return dark ? QColor(0x56, 0xd3, 0x64) : QColor(0x1a, 0x7f, 0x37);
    case Outcome::FunctionError:
    case Outcome::Timeout:
        return errorTextColor(palette);
    case Outcome::HttpError:
    case Outcome::PlatformError:
        return dark ? QColor(0xf0, 0xb4, 0x4c) : QColor(0xa8, 0x5c, 0x00);
    }
    return {};
}

QColor phaseColor(Phase phase)
{
    switch (phase) {
    case Phase::Queue:
        return QColor(0x9e, 0x9e, 0x9e);
    case Phase::Pull:
        return QColor(0x8e, 0x6c, 0xd8);
    case Phase::Unpack:
        return QColor(0xb0, 0x7c, 0xe8);
    case Phase::Sandbox:
        return QColor(0xe0, 0x8a, 0x2e);
    case Phase::Startup:
        return QColor(0xe8, 0xb1, 0x2c);
    case Phase::Initialize:
        return QColor(0x2e, 0xa8, 0x9a);
    case Phase::Send:
        return QColor(0x4c, 0x9a, 0xe0);
    case Phase::Invoke:
    case Phase::Wait:
        return QColor(0x2f, 0x7e, 0xd8);
    case Phase::Receive:
        return QColor(0x1e, 0x5a, 0xa8);
    case Phase::PreFreeze:
        return QColor(0x6f, 0xa8, 0x3c);
    }
    return {};
}

QColor instanceStateColor(Runtime::InstanceState state)
{
    switch (state) {
    case Runtime::InstanceState::Starting:
        return QColor(0xe8, 0xb1, 0x2c);
    case Runtime::InstanceState::Ready:
        return QColor(0x6f, 0xa8, 0x3c);
    case Runtime::InstanceState::Busy:
        return QColor(0x2f, 0x7e, 0xd8);
    case Runtime::InstanceState::Idle:
        return QColor(0x9c, 0xc7, 0x8a);
    case Runtime::InstanceState::Stopping:
        return QColor(0xd0, 0x5a, 0x4e);
    case Runtime::InstanceState::Stopped:
        return QColor(0x80, 0x80, 0x80);
    }
    return {};
}

} // namespace Fcemu::Ui
