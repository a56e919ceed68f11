#pragma once

#include <QList>
#include <QString>

#include "config/FcLimits.h"
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

// Every broken rule, in the order of the options in CONTRACT §1.1; empty when valid.
QList<ValidationIssue> validate(const FunctionConfig &config);

// The UTF-8 byte count that kMaxEnvBytes limits.
qsizetype environmentBytes(const FunctionConfig &config);

// Whether `key` may be used as a user environment variable name (letter first, then
// letters, digits and underscores; not starting with FC_).
bool isValidEnvKey(const QString &key);

} // namespace Fcemu::Config
