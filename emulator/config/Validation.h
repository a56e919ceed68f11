#pragma once

#include <QList>
#include <QString>

#include "config/FunctionConfig.h"

namespace Fcemu::Config {

// One broken rule. `field` is the key path of toJson() ("memorySize",
// "instanceLifecycleConfig.preStop.timeout", ...), so the GUI can put the message next to
// its widget (OptionSpec::field maps command-line options onto the same names).
// `message` is one line that names the command-line option and says what is allowed,
// e.g. "--memory must be a multiple of 64 MB between 128 and 32768 (got 100)".
struct ValidationIssue
{
    QString field;
    QString message;
    bool operator==(const ValidationIssue &) const = default;
};

// FC's limits (fc-semantics §5, §7, §8.2), plus fcemu's own for the local-only options.
inline constexpr int kMinMemoryMB = 128;
inline constexpr int kMaxMemoryMB = 32768;
inline constexpr int kMemoryStepMB = 64;
inline constexpr double kMinCpu = 0.05;
inline constexpr double kMaxCpu = 16.0;
inline constexpr int kMaxTimeoutS = 86400;
inline constexpr int kMaxConcurrency = 200;
inline constexpr int kMaxNameLength = 64;
inline constexpr int kMaxServiceNameLength = 128;
// Sum over the user's variables of the UTF-8 bytes of key plus value (no '=' or NUL).
// FC documents "4 KB total" without saying how it counts; this is the count fcemu uses.
inline constexpr int kMaxEnvBytes = 4096;
inline constexpr int kMaxInitializationTimeoutS = 300;
inline constexpr int kMaxHookTimeoutS = 90;    // PreStop (FC3 limits); PreFreeze likewise
inline constexpr int kMaxInstancesLimit = 300; // FC's default per-region instance quota
inline constexpr int kMaxStartupTimeoutS = 3600;

// Every broken rule, in the order of the options in CONTRACT §1.1; empty when valid.
QList<ValidationIssue> validate(const FunctionConfig &config);

// The UTF-8 byte count that kMaxEnvBytes limits.
qsizetype environmentBytes(const FunctionConfig &config);

// Whether `key` may be used as a user environment variable name (letter first, then
// letters, digits and underscores; not starting with FC_).
bool isValidEnvKey(const QString &key);

} // namespace Fcemu::Config
