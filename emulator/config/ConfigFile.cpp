#include "config/ConfigFile.h"

#include "config/ConfigReaders.h"
#include "config/StorageMounts.h"

// Picking a function out of a configuration file: the format's reader lists the functions
// (ReadFc3.cpp, ReadFc.cpp, ReadFuncraft.cpp), this file chooses one and applies it.

namespace Fcemu::Config {

using detail::Candidate;
using detail::Json;
using detail::Object;
using detail::Parsed;

QString formatName(ConfigFormat format)
{
    switch (format) {
    case ConfigFormat::ServerlessDevsFc:
        return u"Serverless Devs s.yaml (component fc)"_qs;
    case ConfigFormat::ServerlessDevsFc3:
        return u"Serverless Devs s.yaml (component fc3)"_qs;
    case ConfigFormat::Funcraft:
        return u"Funcraft template.yml"_qs;
    case ConfigFormat::Plain:
        return u"function JSON"_qs;
    }
    return {};
}

namespace {

Result<QList<Candidate>> candidates(const Parsed &parsed, ConfigFormat format)
{
    QList<Candidate> result;
    Status ok;
    switch (format) {
    case ConfigFormat::ServerlessDevsFc3:
        ok = detail::addFc3Candidates(parsed, result);
        break;
    case ConfigFormat::ServerlessDevsFc:
        ok = detail::addFcCandidates(parsed, result);
        break;
    case ConfigFormat::Funcraft:
        ok = detail::addFuncraftCandidates(parsed, result);
        break;
    case ConfigFormat::Plain: {
        const Object root(parsed.root, {}, parsed.source);
        Candidate candidate;
        candidate.name = u"fcemu-function"_qs;
        ok = root.readString("functionName", candidate.name);
        const Json *runtime = root.get("runtime");
        if (runtime && runtime->is_string())
            candidate.runtime =
                QString::fromStdString(runtime->get<std::string>()).trimmed().toLower();
        candidate.apply = [root](FunctionConfig &c) { return detail::applyPlain(root, c); };
        result.append(candidate);
        break;
    }
    }
    if (!ok)
        return std::unexpected(ok.error());
    return result;
}

QString whereToLook(ConfigFormat format)
{
    switch (format) {
    case ConfigFormat::ServerlessDevsFc:
        return u"looked under services for component fc with props.function of runtime "
               u"custom-container"_qs;
    case ConfigFormat::ServerlessDevsFc3:
        return u"looked under resources for component fc3 with runtime custom-container"_qs;
    case ConfigFormat::Funcraft:
        return u"looked under Resources for Type Aliyun::Serverless::Function with Runtime "
               u"custom-container"_qs;
    case ConfigFormat::Plain:
        break;
    }
    return {};
}

} // namespace

Result<ConfigFormat> detectConfigFormat(const QString &path)
{
    auto parsed = detail::parseFile(path);
    if (!parsed)
        return std::unexpected(parsed.error());
    return detail::detect(parsed->root);
}

Result<QStringList> listConfigFunctions(const QString &path, const QString &accountId)
{
    auto parsed = detail::parseFile(path, accountId);
    if (!parsed)
        return std::unexpected(parsed.error());
    auto all = candidates(*parsed, detail::detect(parsed->root));
    if (!all)
        return std::unexpected(all.error());
    QStringList names;
    for (const Candidate &candidate : *all) {
        if (candidate.isCustomContainer())
            names.append(candidate.name);
    }
    return names;
}

Result<FunctionConfig> loadConfigFile(const QString &path, const QString &functionName,
                                      const QString &accountId)
{
    auto parsed = detail::parseFile(path, accountId);
    if (!parsed)
        return std::unexpected(parsed.error());
    return detail::loadParsed(*parsed, functionName);
}

namespace detail {

const Json *fcemuSettings(const Json &root, ConfigFormat format, const QString &resourceKey)
{
    const char *parent = format == ConfigFormat::Funcraft ? "Metadata" : "vars";
    if (format == ConfigFormat::Plain || !root.contains(parent) || !root[parent].is_object())
        return nullptr;
    const Json &block = root[parent];
    if (!block.contains("fcemu") || !block["fcemu"].is_object())
        return nullptr;
    const std::string key = resourceKey.toStdString();
    const Json &all = block["fcemu"];
    return all.contains(key) && all[key].is_object() ? &all[key] : nullptr;
}

Result<FunctionConfig> loadParsed(const Parsed &parsedFile, const QString &functionName)
{
    const Parsed *parsed = &parsedFile;
    const QString &path = parsed->source.file;
    const ConfigFormat format = detail::detect(parsed->root);
    auto all = candidates(*parsed, format);
    if (!all)
        return std::unexpected(all.error());

    const Candidate *chosen = nullptr;
    QStringList customNames;
    QStringList otherRuntimes;
    for (const Candidate &candidate : *all) {
        if (candidate.isCustomContainer())
            customNames.append(candidate.name);
        else
            otherRuntimes.append(u"'%1' (%2)"_qs.arg(candidate.name, candidate.runtime));
        if (chosen || !candidate.isCustomContainer())
            continue;
        if (functionName.isEmpty() || candidate.name == functionName ||
            candidate.resourceKey == functionName)
            chosen = &candidate;
    }
    if (!chosen) {
        if (!functionName.isEmpty() && !customNames.isEmpty())
            return fail(ErrorKind::Usage,
                        u"%1: no custom-container function named '%2'; the file defines %3"_qs.arg(
                            path, functionName, customNames.join(u", "_qs)));
        QString message =
            u"%1: no custom-container function found in this %2"_qs.arg(path, formatName(format));
        if (const QString hint = whereToLook(format); !hint.isEmpty())
            message += u" ("_qs + hint + u')';
        if (!otherRuntimes.isEmpty())
            message += u"; fcemu runs custom containers only, and the file has "_qs +
                       otherRuntimes.join(u", "_qs);
        return fail(ErrorKind::Usage, message);
    }

    FunctionConfig config;
    try {
        if (auto ok = chosen->apply(config); !ok)
            return std::unexpected(ok.error());
    } catch (const std::exception &e) {
        // The readers check types before every access; this is the last guard at the
        // parse boundary so no nlohmann exception escapes into the event loop.
        return fail(ErrorKind::Usage, path + u": "_qs + QString::fromUtf8(e.what()));
    }
    // fcemu's own settings, which the format has no place for (`fcemu config export` writes
    // them there): vars.fcemu.RESOURCE in an s.yaml, Metadata.fcemu.FUNCTION in a template.yml.
    if (const Json *own = fcemuSettings(parsed->root, format, chosen->resourceKey)) {
        const char *parent = format == ConfigFormat::Funcraft ? "Metadata" : "vars";
        const std::string where =
            std::string(parent) + ".fcemu." + chosen->resourceKey.toStdString();
        if (auto ok = applyPlain(Object(*own, where, parsed->source), config); !ok)
            return std::unexpected(ok.error());
    }
    dropMappedStorageFromIgnored(config); // vars.fcemu.NAME.nasRoot/ossRoot
    return config;
}

} // namespace detail

} // namespace Fcemu::Config