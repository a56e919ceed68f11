#include <QSet>

#include "config/ConfigTree.h"

// HTTP trigger settings, shared by every format's reader and by the toJson() shape.

namespace Fcemu::Config::detail {

Status readHttpTrigger(const Object &o, const char *methodsKey, const char *authKey,
                       HttpTrigger &out)
{
    // The methods FC's HTTP triggers accept (fc3 triggerConfig.methods, FC2 HTTPTriggerConfig).
    static const QSet<QString> known = {u"GET"_qs,  u"POST"_qs,  u"PUT"_qs,    u"DELETE"_qs,
                                        u"HEAD"_qs, u"PATCH"_qs, u"OPTIONS"_qs};
    QStringList methods;
    if (auto ok = o.readStringList(methodsKey, methods); !ok)
        return ok;
    if (o.has(methodsKey)) {
        QStringList upper;
        for (const QString &method : std::as_const(methods)) {
            const QString m = method.trimmed().toUpper();
            if (!known.contains(m))
                return std::unexpected(o.error(
                    methodsKey, u"'%1' is not an HTTP method FC's triggers take (GET, POST, PUT, "
                                u"DELETE, HEAD, PATCH, OPTIONS)"_qs.arg(method)));
            if (!upper.contains(m))
                upper.append(m);
        }
        // Every method is the same as no restriction (and what `config export` writes).
        out.methods = upper.size() == known.size() ? QStringList() : upper;
    }
    QString auth;
    if (auto ok = o.readString(authKey, auth); !ok)
        return ok;
    if (o.has(authKey)) {
        const QString a = auth.trimmed().toLower();
        if (a != u"anonymous"_qs && a != u"function"_qs)
            return std::unexpected(
                o.error(authKey, u"must be anonymous or function (got '%1')"_qs.arg(auth)));
        out.authFunction = a == u"function"_qs;
    }
    return {};
}

} // namespace Fcemu::Config::detail
