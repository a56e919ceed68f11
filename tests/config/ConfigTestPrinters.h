#pragma once

// QCOMPARE printers for the config types (found by ADL from QTest).

#include <QTest>

#include "config/FunctionConfig.h"

namespace Fcemu::Config {

inline char *toString(InstanceType type)
{
    return qstrdup(qPrintable(instanceTypeName(type)));
}

inline char *toString(BillingModel model)
{
    return qstrdup(qPrintable(billingModelName(model)));
}

inline char *toString(const LifecycleHook &hook)
{
    return qstrdup(
        qPrintable(u"{handler '%1', timeout %2 s}"_qs.arg(hook.handler).arg(hook.timeoutS)));
}

inline char *toString(const EnvVar &var)
{
    return qstrdup(qPrintable(var.key + u'=' + var.value));
}

inline char *toString(const QList<EnvVar> &env)
{
    QStringList entries;
    for (const EnvVar &var : env)
        entries.append(var.key + u'=' + var.value);
    return qstrdup(qPrintable(u"["_qs + entries.join(u", "_qs) + u"]"_qs));
}

} // namespace Fcemu::Config
