#include "config/Environment.h"

#include <QHash>

namespace Fcemu::Config {

namespace {

QString hostValue(const QProcessEnvironment &host, const QString &key)
{
    return host.contains(key) ? host.value(key) : QString();
}

// An ordered KEY=VALUE list with one entry per key.
class EnvList final
{
public:
    void set(const QString &key, const QString &value)
    {
        const QString entry = key + u'=' + value;
        if (const auto it = m_index.constFind(key); it != m_index.constEnd()) {
            m_entries[*it] = entry;
            return;
        }
        m_index.insert(key, m_entries.size());
        m_entries.append(entry);
    }
    void setEntry(const QString &entry)
    {
        // Image Env entries are KEY=VALUE; a bare KEY (no '=') is kept as it is.
        const qsizetype equals = entry.indexOf(u'=');
        if (equals < 0) {
            if (!m_index.contains(entry)) {
                m_index.insert(entry, m_entries.size());
                m_entries.append(entry);
            }
            return;
        }
        set(entry.left(equals), entry.mid(equals + 1));
    }
    QStringList take() { return std::move(m_entries); }

private:
    QStringList m_entries;
    QHash<QString, qsizetype> m_index;
};

} // namespace

Credentials hostCredentials(const QProcessEnvironment &host)
{
    Credentials c;
    c.accessKeyId = hostValue(host, u"ALIBABA_CLOUD_ACCESS_KEY_ID"_qs);
    c.accessKeySecret = hostValue(host, u"ALIBABA_CLOUD_ACCESS_KEY_SECRET"_qs);
    c.securityToken = hostValue(host, u"ALIBABA_CLOUD_SECURITY_TOKEN"_qs);
    c.accountId = hostValue(host, u"ALIBABA_CLOUD_ACCOUNT_ID"_qs);
    const bool realKey = !c.accessKeyId.isEmpty();
    if (!realKey)
        c.accessKeyId = QString::fromUtf16(kPlaceholderAccessKeyId);
    if (c.accessKeySecret.isEmpty())
        c.accessKeySecret = QString::fromUtf16(kPlaceholderAccessKeySecret);
    if (c.securityToken.isEmpty() && !realKey)
        c.securityToken = QString::fromUtf16(kPlaceholderSecurityToken);
    if (c.accountId.isEmpty())
        c.accountId = QString::fromUtf16(kPlaceholderAccountId);
    return c;
}

QStringList buildEnvironment(const FunctionConfig &config, const QStringList &imageEnv,
                             const QString &instanceId, const QProcessEnvironment &host)
{
    EnvList env;
    for (const QString &entry : imageEnv)
        env.setEntry(entry);

    Credentials credentials = hostCredentials(host);
    if (!config.accountId.isEmpty())
        credentials.accountId = config.accountId;
    env.set(u"FC_FUNCTION_NAME"_qs, config.name);
    env.set(u"FC_FUNCTION_MEMORY_SIZE"_qs, QString::number(config.memoryMB));
    env.set(u"FC_FUNCTION_HANDLER"_qs, config.handler);
    env.set(u"FC_REGION"_qs, config.region);
    env.set(u"FC_ACCOUNT_ID"_qs, credentials.accountId);
    env.set(u"FC_INSTANCE_ID"_qs, instanceId);
    env.set(u"FC_CUSTOM_LISTEN_PORT"_qs, QString::number(config.caPort));
    env.set(u"FC_SERVICE_NAME"_qs, config.serviceName);
    env.set(u"ALIBABA_CLOUD_ACCESS_KEY_ID"_qs, credentials.accessKeyId);
    env.set(u"ALIBABA_CLOUD_ACCESS_KEY_SECRET"_qs, credentials.accessKeySecret);
    env.set(u"ALIBABA_CLOUD_SECURITY_TOKEN"_qs, credentials.securityToken);

    for (const EnvVar &var : config.env) {
        // FC refuses FC_* user variables; never let one replace a system variable.
        if (var.key.isEmpty() || var.key.startsWith(u"FC_"_qs))
            continue;
        env.set(var.key, var.value);
    }
    return env.take();
}

Result<QStringList> buildCommand(const FunctionConfig &config, const QStringList &imageEntrypoint,
                                 const QStringList &imageCmd)
{
    QStringList argv;
    if (!config.command.isEmpty()) {
        // docker run --entrypoint: the image's Cmd is dropped too, not appended.
        argv = config.command + config.args;
    } else {
        argv = imageEntrypoint + (config.args.isEmpty() ? imageCmd : config.args);
    }
    if (argv.isEmpty())
        return fail(ErrorKind::Usage,
                    u"the image has no Entrypoint or Cmd; set --command (and --args)"_qs);
    return argv;
}

} // namespace Fcemu::Config
