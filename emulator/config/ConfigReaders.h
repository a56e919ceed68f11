#pragma once

// Internal to emulator/config: the pieces loadConfigFile() (ConfigFile.cpp) is made of. A file
// is parsed once (ConfigParse.cpp: YAML or JSON into a tree with line numbers, Serverless Devs
// variables resolved), its format detected, and each format's reader (ReadFc3.cpp, ReadFc.cpp,
// ReadFuncraft.cpp) lists the functions it declares as Candidates that know how to apply
// themselves onto a FunctionConfig.

#include <functional>

#include <QList>
#include <QString>

#include "common/Error.h"
#include "config/ConfigFile.h"
#include "config/ConfigTree.h"

namespace Fcemu::Config::detail {

inline const QString kCustomContainer = u"custom-container"_qs;

struct Parsed
{
    Json root;
    Source source;
};

// Reads, parses and (for an s.yaml) resolves the variables of one file. accountId is what
// ${config('AccountID')} gives (empty: ALIBABA_CLOUD_ACCOUNT_ID).
Result<Parsed> parseFile(const QString &path, const QString &accountId = {});

ConfigFormat detect(const Json &root);

// "devsapp/fc@0.1.2" -> "fc"
QString componentName(const Json &value);

// Keeps the first error of several steps.
inline void collect(Status &ok, Status step)
{
    if (ok && !step)
        ok = std::move(step);
}

// The runtime a function declares, lower-case; without one, a custom-container config still
// marks a custom container.
QString runtimeOf(const Object &o, const char *key, bool hasContainer);

// One function a file declares.
struct Candidate
{
    QString name;        // the function name
    QString resourceKey; // the key it sits under (s.yaml resource, Funcraft function key)
    QString runtime;
    std::function<Status(FunctionConfig &)> apply;

    bool isCustomContainer() const { return runtime.isEmpty() || runtime == kCustomContainer; }
};

// Each format's functions, appended to `out` in file order.
Status addFc3Candidates(const Parsed &parsed, QList<Candidate> &out);
Status addFcCandidates(const Parsed &parsed, QList<Candidate> &out);
Status addFuncraftCandidates(const Parsed &parsed, QList<Candidate> &out);

// The function called functionName (empty: the first custom-container one) of a parsed file,
// with fcemu's own settings of it (vars.fcemu.KEY, Metadata.fcemu.KEY) applied last.
Result<FunctionConfig> loadParsed(const Parsed &parsed, const QString &functionName);

// fcemu's own settings block for the function under resourceKey, or nullptr.
const Json *fcemuSettings(const Json &root, ConfigFormat format, const QString &resourceKey);

} // namespace Fcemu::Config::detail
