#pragma once

// Internal to emulator/config: a typed, error-reporting view over a parsed config tree.
// Every format (YAML or JSON) is first turned into an ordered_json tree plus a map from
// key paths to line numbers, so that one set of readers reports "file:line: key: what".

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Config::detail {

using Json = nlohmann::ordered_json;

// Where a tree came from, for error messages.
struct Source
{
    QString file;                     // empty when there is no file (fromJson)
    std::map<std::string, int> lines; // dotted key path -> 1-based line (YAML only)

    // "file:12: a.b.c", "file: a.b.c", or "a.b.c" without a file.
    QString where(const std::string &path) const;
    Error error(const std::string &path, const QString &what) const;
};

// Joins a key path: join("a.b", "c") == "a.b.c", join("", "c") == "c".
std::string joinPath(const std::string &parent, const std::string &key);

// A short description of a value for "got ..." in messages.
QString describe(const Json &value);

// Read-only view of one object in the tree. Readers leave `out` untouched when the key is
// absent or null, and return a Usage error naming the key and line on a wrong type.
class Object final
{
public:
    Object(const Json &json, std::string path, const Source &source);

    const Json &json() const { return *m_json; }
    const std::string &path() const { return m_path; }
    const Source &source() const { return *m_source; }

    // Present and not null.
    bool has(const char *key) const;
    const Json *get(const char *key) const;
    std::string pathOf(const char *key) const { return joinPath(m_path, key); }
    Error error(const char *key, const QString &what) const;

    Status readString(const char *key, QString &out) const;
    Status readInt(const char *key, int &out) const;
    Status readDouble(const char *key, double &out) const;
    Status readOptionalDouble(const char *key, std::optional<double> &out) const;
    Status readBool(const char *key, bool &out) const;
    // A list of strings: a YAML/JSON list, or (FC2's API shape) a string holding a JSON
    // array such as '["node", "server.js"]'.
    Status readStringList(const char *key, QStringList &out) const;
    // A mapping of names to scalar values (numbers and booleans become text), in order.
    Status readEnv(const char *key, QList<EnvVar> &out) const;
    // A hook given as a handler string or as {handlerKey, timeoutKey[, command]}.
    // A hook with a command but no handler counts as set (handler = defaultHandler).
    Status readHook(const char *key, LifecycleHook &out, const char *handlerKey,
                    const char *timeoutKey, const QString &defaultHandler) const;
    // A nested object; std::nullopt when absent or null; an error when not an object.
    Result<std::optional<Object>> object(const char *key) const;

private:
    const Json *m_json;
    std::string m_path;
    const Source *m_source;
};

// An HTTP trigger's methods (a list of FC's methods, any case) and authType (anonymous or
// function) from o[methodsKey] and o[authKey] (ReadTriggers.cpp).
Status readHttpTrigger(const Object &o, const char *methodsKey, const char *authKey,
                       HttpTrigger &out);

// Reads the flat toJson() shape (plus FC3 API-style nested blocks) into config.
Status applyPlain(const Object &root, FunctionConfig &config);

} // namespace Fcemu::Config::detail
