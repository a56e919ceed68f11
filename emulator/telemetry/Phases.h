#pragma once

// The phases of an invocation, the one home of their names (CONTRACT §1.2 and §7): the
// report's "timings", the HAR export's `_fc.phases`, `fcemu invoke`'s table and the desktop
// app's waterfall all walk kPhases.

#include <array>
#include <string_view>

namespace Fcemu::Telemetry {

// The phases of CONTRACT §7, in milliseconds of a monotonic clock; 0 where a phase did not happen
// (a warm call has no pull, unpack, sandbox or startup).
struct Timings
{
    double queueMs = 0;
    double pullMs = 0;
    double unpackMs = 0;
    double sandboxMs = 0;
    double startupMs = 0;
    double initializeMs = 0;
    double invokeMs = 0;
    double totalMs = 0;
    // The request itself, split as HAR splits it (parts of invokeMs): writing the request,
    // waiting for the first response byte, reading the rest.
    double sendMs = 0;
    double waitMs = 0;
    double receiveMs = 0;
    double preFreezeMs = 0; // GET /pre-freeze after the request, when configured
};

enum class Phase {
    Queue,
    Pull,
    Unpack,
    Sandbox,
    Startup,
    Initialize,
    Invoke,
    Send,
    Wait,
    Receive,
    PreFreeze
};

struct PhaseField
{
    Phase phase;
    std::string_view name; // "pull"; the report's key is name + "Ms"
    std::string_view key;  // "pullMs"
    double Timings::*ms;
    bool inReport;     // one of the report's "timings" (CONTRACT §1.2); the others are HAR's
    bool partOfInvoke; // send, wait and receive split invokeMs
};

// In the order they happen.
inline constexpr std::array<PhaseField, 11> kPhases{{
    {Phase::Queue, "queue", "queueMs", &Timings::queueMs, true, false},
    {Phase::Pull, "pull", "pullMs", &Timings::pullMs, true, false},
    {Phase::Unpack, "unpack", "unpackMs", &Timings::unpackMs, true, false},
    {Phase::Sandbox, "sandbox", "sandboxMs", &Timings::sandboxMs, true, false},
    {Phase::Startup, "startup", "startupMs", &Timings::startupMs, true, false},
    {Phase::Initialize, "initialize", "initializeMs", &Timings::initializeMs, true, false},
    {Phase::Invoke, "invoke", "invokeMs", &Timings::invokeMs, true, false},
    {Phase::Send, "send", "sendMs", &Timings::sendMs, false, true},
    {Phase::Wait, "wait", "waitMs", &Timings::waitMs, false, true},
    {Phase::Receive, "receive", "receiveMs", &Timings::receiveMs, false, true},
    {Phase::PreFreeze, "pre-freeze", "preFreezeMs", &Timings::preFreezeMs, false, false},
}};

inline constexpr const PhaseField &phaseField(Phase phase)
{
    return kPhases[size_t(phase)];
}

} // namespace Fcemu::Telemetry
