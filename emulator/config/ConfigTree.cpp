#include "config/ConfigTree.h"

#include <cmath>
#include <limits>

namespace Fcemu::Config::detail {

namespace {

QString fromStd(const std::string &text)
{
    return QString::fromStdString(text);
}

bool isVariableReference(const QString &text)
{
    return text.contains(u"${"_qs);
}

// Serverless Devs resolves ${vars.x}, ${env(X)} and friends itself; fcemu keeps them as
// literal text, which is fine for strings but not where a number or boolean is needed.
QString variableMessage(const QString &text)
{
    return u"'%1' is a Serverless Devs variable, which fcemu does not resolve; "
           u"write the value in the file or pass the matching flag"_qs.arg(text);
}

QString scalarText(const Json &value)
{
    if (value.is_string())
        return fromStd(value.get<std::string>());
    if (value.is_boolean())
        return value.get<bool>() ? u"true"_qs : u"false"_qs;
    if (value.is_number_integer() || value.is_number_unsigned())
        return fromStd(value.dump());
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e15)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    return {};
}

} // namespace

QString Source::where(const std::string &path) const
{
    QString prefix;
    if (!file.isEmpty()) {
        prefix = file;
        const auto it = lines.find(path);
        if (it != lines.end())
            prefix += u':' + QString::number(it->second);
        prefix += u": "_qs;
    }
    return prefix + fromStd(path);
}

Error Source::error(const std::string &path, const QString &what) const
{
    if (path.empty()) {
        const QString prefix = file.isEmpty() ? QString() : file + u": "_qs;
        return Error{ErrorKind::Usage, prefix + what};
    }
    return Error{ErrorKind::Usage, where(path) + u": "_qs + what};
}

std::string joinPath(const std::string &parent, const std::string &key)
{
    return parent.empty() ? key : parent + '.' + key;
}

QString describe(const Json &value)
{
    if (value.is_string())
        return u'\'' + fromStd(value.get<std::string>()) + u'\'';
    if (value.is_array())
        return u"a list"_qs;
    if (value.is_object())
        return u"a mapping"_qs;
    if (value.is_null())
        return u"nothing"_qs;
    return scalarText(value);
}

Object::Object(const Json &json, std::string path, const Source &source)
    : m_json(&json), m_path(std::move(path)), m_source(&source)
{
}

const Json *Object::get(const char *key) const
{
    const auto it = m_json->find(key);
    if (it == m_json->end() || it->is_null())
        return nullptr;
    return &*it;
}

bool Object::has(const char *key) const
{
    return get(key) != nullptr;
}

Error Object::error(const char *key, const QString &what) const
{
    return m_source->error(pathOf(key), what);
}

Status Object::readString(const char *key, QString &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    if (value->is_string() || value->is_number() || value->is_boolean()) {
        out = scalarText(*value);
        return {};
    }
    return std::unexpected(error(key, u"expected text, got "_qs + describe(*value)));
}

Status Object::readInt(const char *key, int &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    auto wrong = [&]() -> Status {
        if (value->is_string() && isVariableReference(scalarText(*value)))
            return std::unexpected(error(key, variableMessage(scalarText(*value))));
        return std::unexpected(error(key, u"expected a whole number, got "_qs + describe(*value)));
    };
    qint64 number = 0;
    if (value->is_number_integer()) {
        number = value->get<qint64>();
    } else if (value->is_number_unsigned()) {
        const auto u = value->get<quint64>();
        number = u > quint64(std::numeric_limits<qint64>::max())
                     ? std::numeric_limits<qint64>::max()
                     : qint64(u);
    } else if (value->is_number_float()) {
        const double d = value->get<double>();
        if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9e18)
            return wrong();
        number = qint64(d);
    } else if (value->is_string()) {
        // Quoted numbers ('512') are common in hand-written YAML; accept them.
        bool ok = false;
        number = scalarText(*value).trimmed().toLongLong(&ok);
        if (!ok)
            return wrong();
    } else {
        return wrong();
    }
    if (number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max())
        return std::unexpected(error(key, u"%1 is out of range"_qs.arg(number)));
    out = int(number);
    return {};
}

Status Object::readDouble(const char *key, double &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    if (value->is_number()) {
        out = value->get<double>();
        return {};
    }
    if (value->is_string()) {
        const QString text = scalarText(*value);
        bool ok = false;
        const double d = text.trimmed().toDouble(&ok);
        if (ok && std::isfinite(d)) {
            out = d;
            return {};
        }
        if (isVariableReference(text))
            return std::unexpected(error(key, variableMessage(text)));
    }
    return std::unexpected(error(key, u"expected a number, got "_qs + describe(*value)));
}

Status Object::readOptionalDouble(const char *key, std::optional<double> &out) const
{
    if (!has(key))
        return {};
    double d = 0;
    if (auto ok = readDouble(key, d); !ok)
        return ok;
    out = d;
    return {};
}

Status Object::readBool(const char *key, bool &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    if (value->is_boolean()) {
        out = value->get<bool>();
        return {};
    }
    if (value->is_string()) {
        const QString text = scalarText(*value).trimmed();
        if (text.compare(u"true"_qs, Qt::CaseInsensitive) == 0) {
            out = true;
            return {};
        }
        if (text.compare(u"false"_qs, Qt::CaseInsensitive) == 0) {
            out = false;
            return {};
        }
        if (isVariableReference(text))
            return std::unexpected(error(key, variableMessage(text)));
    }
    return std::unexpected(error(key, u"expected true or false, got "_qs + describe(*value)));
}

Status Object::readStringList(const char *key, QStringList &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    Json parsed;
    const Json *list = value;
    if (value->is_string()) {
        // FC2's API and the fc component take command/args as a JSON array in a string.
        const std::string text = value->get<std::string>();
        if (QString::fromStdString(text).trimmed().isEmpty()) {
            out.clear();
            return {};
        }
        parsed = Json::parse(text, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_array())
            return std::unexpected(
                error(key, u"expected a JSON array of strings such as '[\"node\", \"server.js\"]', "
                           u"got "_qs +
                               describe(*value)));
        list = &parsed;
    }
    if (!list->is_array())
        return std::unexpected(
            error(key, u"expected a list of strings, got "_qs + describe(*value)));
    QStringList result;
    for (const Json &item : *list) {
        if (!(item.is_string() || item.is_number() || item.is_boolean()))
            return std::unexpected(error(key, u"expected a list of strings, found "_qs +
                                                  describe(item) + u" in it"_qs));
        result.append(scalarText(item));
    }
    out = result;
    return {};
}

Status Object::readEnv(const char *key, QList<EnvVar> &out) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    if (!value->is_object())
        return std::unexpected(error(
            key, u"expected a mapping of variable names to values, got "_qs + describe(*value)));
    QList<EnvVar> result;
    for (auto it = value->begin(); it != value->end(); ++it) {
        const Json &item = it.value();
        if (item.is_object() || item.is_array())
            return std::unexpected(m_source->error(joinPath(pathOf(key), it.key()),
                                                   u"expected text, got "_qs + describe(item)));
        // `KEY:` with no value in YAML is an empty string, as in Serverless Devs.
        result.append({fromStd(it.key()), item.is_null() ? QString() : scalarText(item)});
    }
    out = result;
    return {};
}

Status Object::readHook(const char *key, LifecycleHook &out, const char *handlerKey,
                        const char *timeoutKey, const QString &defaultHandler) const
{
    const Json *value = get(key);
    if (!value)
        return {};
    if (value->is_string()) {
        out.handler = scalarText(*value);
        return {};
    }
    if (!value->is_object())
        return std::unexpected(error(key, u"expected a handler or a mapping with "_qs +
                                              QString::fromLatin1(handlerKey) + u" and "_qs +
                                              QString::fromLatin1(timeoutKey) + u", got "_qs +
                                              describe(*value)));
    const Object hook(*value, pathOf(key), *m_source);
    LifecycleHook result = out;
    result.handler.clear();
    if (auto ok = hook.readString(handlerKey, result.handler); !ok)
        return ok;
    if (auto ok = hook.readInt(timeoutKey, result.timeoutS); !ok)
        return ok;
    // FC3 LifecycleHook may run a command instead of calling a handler; fcemu calls the
    // HTTP hook either way, so a command-only hook still counts as configured.
    QStringList command;
    if (auto ok = hook.readStringList("command", command); !ok)
        return ok;
    if (result.handler.isEmpty() && !command.isEmpty())
        result.handler = defaultHandler;
    out = result;
    return {};
}

Result<std::optional<Object>> Object::object(const char *key) const
{
    const Json *value = get(key);
    if (!value)
        return std::optional<Object>();
    if (!value->is_object())
        return std::unexpected(error(key, u"expected a mapping, got "_qs + describe(*value)));
    return std::optional<Object>(Object(*value, pathOf(key), *m_source));
}

} // namespace Fcemu::Config::detail
