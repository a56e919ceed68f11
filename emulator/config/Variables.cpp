#include "config/Variables.h"

#include <QFile>
#include <QRegularExpression>

namespace Fcemu::Config::detail {

namespace {

constexpr int kMaxDepth = 16; // references to references; deeper is a loop

class Resolver
{
public:
    Resolver(Json &root, const Source &source, const VariableContext &context)
        : m_root(root), m_source(source), m_context(context)
    {
        if (!context.dotEnvFile.isEmpty())
            m_dotEnv = readDotEnv(context.dotEnvFile);
    }

    Status walk(Json &node, const std::string &path, const Json *thisProps)
    {
        if (node.is_object()) {
            for (auto it = node.begin(); it != node.end(); ++it) {
                const std::string child = joinPath(path, it.key());
                // Inside resources.NAME (fc3) or services.NAME (fc), `this` is that resource.
                const Json *props = thisProps;
                if ((path == "resources" || path == "services") && it.value().is_object() &&
                    it.value().contains("props"))
                    props = &it.value()["props"];
                if (auto ok = walk(it.value(), child, props); !ok)
                    return ok;
            }
        } else if (node.is_array()) {
            for (size_t i = 0; i < node.size(); ++i)
                if (auto ok = walk(node[i], path + '[' + std::to_string(i) + ']', thisProps); !ok)
                    return ok;
        } else if (node.is_string()) {
            auto value = substitute(node, path, thisProps, 0);
            if (!value)
                return std::unexpected(value.error());
            node = std::move(*value);
        }
        return {};
    }

private:
    // The value of a string with its references replaced.
    Result<Json> substitute(const Json &node, const std::string &path, const Json *thisProps,
                            int depth)
    {
        if (!node.is_string())
            return node;
        const QString text = QString::fromStdString(node.get<std::string>());
        if (!text.contains(u"${"_qs))
            return node;
        if (depth > kMaxDepth)
            return std::unexpected(m_source.error(
                path, u"'%1': the variables refer to each other in a loop"_qs.arg(text)));
        static const QRegularExpression reference(uR"(\$\{([^{}]*)\})"_qs);
        // The whole value one reference: keep the referenced value's type.
        const auto whole = reference.match(text);
        if (whole.hasMatch() && whole.capturedStart() == 0 &&
            whole.capturedLength() == text.size()) {
            auto value = evaluate(whole.captured(1).trimmed(), path, thisProps);
            if (!value)
                return value;
            return substitute(*value, path, thisProps, depth + 1);
        }
        QString out;
        qsizetype at = 0;
        for (auto it = reference.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            out += text.mid(at, m.capturedStart() - at);
            auto value = evaluate(m.captured(1).trimmed(), path, thisProps);
            if (!value)
                return value;
            auto resolved = substitute(*value, path, thisProps, depth + 1);
            if (!resolved)
                return resolved;
            if (resolved->is_string())
                out += QString::fromStdString(resolved->get<std::string>());
            else if (resolved->is_primitive() && !resolved->is_null())
                out += QString::fromStdString(resolved->dump());
            else
                return std::unexpected(
                    m_source.error(path, u"'${%1}' is %2, which cannot be spliced into text"_qs.arg(
                                             m.captured(1).trimmed(), describe(*resolved))));
            at = m.capturedEnd();
        }
        out += text.mid(at);
        return Json(out.toStdString());
    }

    // The value of one reference (the text between ${ and }).
    Result<Json> evaluate(const QString &expression, const std::string &path, const Json *thisProps)
    {
        const auto undefined = [&](const QString &why) -> Result<Json> {
            return std::unexpected(
                m_source.error(path, u"'${%1}' is undefined: %2"_qs.arg(expression, why)));
        };
        static const QRegularExpression call(uR"(^(env|config)\(\s*(['"]?)([^'"()]*)\2\s*\)$)"_qs);
        if (const auto m = call.match(expression); m.hasMatch()) {
            const QString name = m.captured(3).trimmed();
            if (m.captured(1) == u"env"_qs)
                return environmentValue(name, undefined);
            if (name == u"AccountID"_qs) {
                QString id = m_context.accountId;
                if (id.isEmpty())
                    id = m_context.environment.value(u"ALIBABA_CLOUD_ACCOUNT_ID"_qs);
                if (id.isEmpty())
                    return undefined(u"no account id: set ALIBABA_CLOUD_ACCOUNT_ID"_qs);
                return Json(id.toStdString());
            }
            return undefined(u"fcemu knows only config('AccountID') of `s config`"_qs);
        }
        const QStringList parts = expression.split(u'.');
        const QString head = parts.first();
        if (head == u"env"_qs && parts.size() == 2)
            return environmentValue(parts[1], undefined);
        if (head == u"vars"_qs && parts.size() >= 2) {
            const Json *vars = m_root.contains("vars") ? &m_root["vars"] : nullptr;
            if (!vars)
                return undefined(u"the file has no top-level vars"_qs);
            return lookup(*vars, parts.mid(1), u"vars"_qs, undefined);
        }
        if (head == u"this"_qs && parts.size() >= 3 && parts[1] == u"props"_qs) {
            if (!thisProps)
                return undefined(u"${this...} means the resource it is written in, and this "
                                 u"value is outside resources"_qs);
            return lookup(*thisProps, parts.mid(2), u"this.props"_qs, undefined);
        }
        if ((head == u"resources"_qs || head == u"services"_qs) && parts.size() >= 3) {
            const std::string section = head.toStdString();
            const std::string name = parts[1].toStdString();
            if (!m_root.contains(section) || !m_root[section].is_object() ||
                !m_root[section].contains(name))
                return undefined(u"the file has no %1 named '%2'"_qs.arg(head, parts[1]));
            if (parts[2] == u"output"_qs)
                return undefined(u"a resource's output is known only after `s deploy`; write "
                                 u"the value in the file"_qs);
            if (parts[2] != u"props"_qs)
                return undefined(u"fcemu reads %1.NAME.props.KEY"_qs.arg(head));
            return lookup(m_root[section][name]["props"], parts.mid(3),
                          head + u'.' + parts[1] + u".props", undefined);
        }
        return undefined(
            u"not a variable fcemu knows (vars, env, this.props, resources.NAME.props, "
            u"config('AccountID'))"_qs);
    }

    template <typename Undefined>
    Result<Json> environmentValue(const QString &name, const Undefined &undefined)
    {
        if (m_context.environment.contains(name))
            return Json(m_context.environment.value(name).toStdString());
        if (m_dotEnv.contains(name))
            return Json(m_dotEnv.value(name).toStdString());
        return undefined(u"the environment has no %1%2"_qs.arg(
            name, m_context.dotEnvFile.isEmpty() ? QString()
                                                 : u" (nor has "_qs + m_context.dotEnvFile + u')'));
    }

    template <typename Undefined>
    Result<Json> lookup(const Json &from, const QStringList &keys, const QString &where,
                        const Undefined &undefined)
    {
        const Json *at = &from;
        QString walked = where;
        for (const QString &key : keys) {
            const std::string k = key.toStdString();
            if (!at->is_object() || !at->contains(k))
                return undefined(walked + u" has no '"_qs + key + u'\'');
            at = &(*at)[k];
            walked += u'.' + key;
        }
        return *at;
    }

    Json &m_root;
    const Source &m_source;
    const VariableContext &m_context;
    QProcessEnvironment m_dotEnv;
};

} // namespace

QProcessEnvironment readDotEnv(const QString &path)
{
    QProcessEnvironment env;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return env;
    for (QByteArray raw : file.readAll().split('\n')) {
        QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u"export "_qs))
            line = line.mid(7).trimmed();
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0)
            continue;
        const QString key = line.left(eq).trimmed();
        QString value = line.mid(eq + 1).trimmed();
        if (value.size() >= 2 && (value.front() == u'"' || value.front() == u'\'') &&
            value.back() == value.front()) {
            const bool doubleQuoted = value.front() == u'"';
            value = value.mid(1, value.size() - 2);
            if (doubleQuoted)
                value.replace(u"\\n"_qs, u"\n"_qs);
        } else if (const qsizetype hash = value.indexOf(u" #"_qs); hash >= 0) {
            value = value.left(hash).trimmed(); // an inline comment
        }
        env.insert(key, value);
    }
    return env;
}

Status resolveVariables(Json &root, const Source &source, const VariableContext &context)
{
    Resolver resolver(root, source, context);
    return resolver.walk(root, {}, nullptr);
}

} // namespace Fcemu::Config::detail
