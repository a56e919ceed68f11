#include "config/Properties.h"

namespace Fcemu::Config::detail {

namespace {

QString ignoredLine(const std::string &path, const QString &why)
{
    return QString::fromStdString(path) + u": ignored by fcemu ("_qs + why + u')';
}

const PropertyRule *findRule(std::span<const PropertyRule> rules, const std::string &path)
{
    for (const PropertyRule &rule : rules) {
        if (rule.path == path)
            return &rule;
    }
    return nullptr;
}

bool hasChildRules(std::span<const PropertyRule> rules, const std::string &path)
{
    const std::string prefix = path + '.';
    for (const PropertyRule &rule : rules) {
        if (rule.path.starts_with(prefix))
            return true;
    }
    return false;
}

void walk(const Json &json, const std::string &absolute, const std::string &relative,
          std::span<const PropertyRule> rules, const QString &unknownWhy, QStringList &out)
{
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.value().is_null())
            continue;
        const std::string rel = joinPath(relative, it.key());
        const std::string abs = joinPath(absolute, it.key());
        const PropertyRule *rule = findRule(rules, rel);
        if (!rule) {
            out.append(ignoredLine(abs, unknownWhy));
            continue;
        }
        switch (rule->use) {
        case Use::NoEffect:
            break;
        case Use::Ignored:
            out.append(ignoredLine(abs, QString::fromUtf8(rule->why.data(), rule->why.size())));
            break;
        case Use::Applied:
            if (it.value().is_object() && hasChildRules(rules, rel))
                walk(it.value(), abs, rel, rules, unknownWhy, out);
            break;
        }
    }
}

QString lowerText(const Json *value)
{
    return value && value->is_string()
               ? QString::fromStdString(value->get<std::string>()).trimmed().toLower()
               : QString();
}

} // namespace

void findIgnored(const Object &o, std::span<const PropertyRule> rules, const QString &unknownWhy,
                 QStringList &out)
{
    if (o.json().is_object())
        walk(o.json(), o.path(), {}, rules, unknownWhy, out);
}

Status readTriggers(const Object &parent, const char *listKey, const char *typeKey,
                    const char *configKey, const char *methodsKey, const char *authKey,
                    HttpTrigger &out, QStringList &ignored)
{
    const Json *list = parent.get(listKey);
    if (!list)
        return {};
    if (!list->is_array())
        return std::unexpected(
            parent.error(listKey, u"must be a list of triggers, got "_qs + describe(*list)));
    bool haveHttp = false;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = parent.pathOf(listKey) + '[' + std::to_string(i) + ']';
        const Json &item = (*list)[i];
        if (!item.is_object())
            return std::unexpected(parent.source().error(
                path, u"a trigger must be a mapping, got "_qs + describe(item)));
        const Object trigger(item, path, parent.source());
        const QString type = lowerText(trigger.get(typeKey));
        if (type != u"http"_qs) {
            ignored.append(ignoredLine(
                path, u"a %1 trigger; fcemu runs the HTTP trigger and "
                      u"InvokeFunction only"_qs.arg(type.isEmpty() ? u"typeless"_qs : type)));
            continue;
        }
        if (haveHttp) {
            ignored.append(ignoredLine(path, u"a second HTTP trigger; FC allows one per "
                                             u"function and fcemu applies the first"_qs));
            continue;
        }
        haveHttp = true;
        out = HttpTrigger();
        out.authFunction = true; // FC's API default when authType is not given
        auto config = trigger.object(configKey);
        if (!config)
            return std::unexpected(config.error());
        if (!*config)
            continue;
        if (auto ok = readHttpTrigger(**config, methodsKey, authKey, out); !ok)
            return ok;
        for (auto it = (*config)->json().begin(); it != (*config)->json().end(); ++it) {
            const std::string &key = it.key();
            if (key == methodsKey || key == authKey || it.value().is_null())
                continue;
            ignored.append(
                ignoredLine((*config)->pathOf(key.c_str()),
                            u"fcemu applies a trigger's methods and authType only; JWT, CORS and "
                            u"domain settings are not emulated"_qs));
        }
    }
    return {};
}

Status readFuncraftEvents(const Object &function, HttpTrigger &out, QStringList &ignored)
{
    auto events = function.object("Events");
    if (!events)
        return std::unexpected(events.error());
    if (!*events)
        return {};
    bool haveHttp = false;
    const Object &e = **events;
    for (auto it = e.json().begin(); it != e.json().end(); ++it) {
        const std::string path = e.pathOf(it.key().c_str());
        if (!it.value().is_object())
            continue;
        const Object event(it.value(), path, e.source());
        const QString type = lowerText(event.get("Type"));
        if (type != u"http"_qs || haveHttp) {
            ignored.append(ignoredLine(path, haveHttp && type == u"http"_qs
                                                 ? u"a second HTTP trigger; fcemu applies "
                                                   u"the first"_qs
                                                 : u"a %1 event; fcemu runs the HTTP trigger "
                                                   u"and InvokeFunction only"_qs.arg(type)));
            continue;
        }
        haveHttp = true;
        out = HttpTrigger();
        out.authFunction = true;
        auto props = event.object("Properties");
        if (!props)
            return std::unexpected(props.error());
        if (*props) {
            if (auto ok = readHttpTrigger(**props, "Methods", "AuthType", out); !ok)
                return ok;
        }
    }
    return {};
}

} // namespace Fcemu::Config::detail
