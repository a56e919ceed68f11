#include "Credentials.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QUrl>

namespace Fcemu::Registry {

namespace {

// "https://host:5000/v1/" -> "host:5000"
QString hostOf(QString key)
{
    if (const qsizetype scheme = key.indexOf(u"://"_qs); scheme >= 0)
        key = key.mid(scheme + 3);
    return key.section(u'/', 0, 0).toLower();
}

} // namespace

QStringList credentialFiles()
{
    QStringList files;
    if (const QString f = qEnvironmentVariable("REGISTRY_AUTH_FILE"); !f.isEmpty())
        files.append(f);
    if (const QString run = qEnvironmentVariable("XDG_RUNTIME_DIR"); !run.isEmpty())
        files.append(run + u"/containers/auth.json"_qs);
    const QString docker = qEnvironmentVariable("DOCKER_CONFIG");
    files.append((docker.isEmpty() ? QDir::homePath() + u"/.docker"_qs : docker) +
                 u"/config.json"_qs);
    return files;
}

std::optional<Credentials> credentialsFor(const QString &registry)
{
    const QString wanted = registry.toLower();
    for (const QString &path : credentialFiles()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const auto j = nlohmann::json::parse(file.read(1 << 20).toStdString(), nullptr, false);
        if (!j.is_object() || !j.contains("auths") || !j["auths"].is_object())
            continue;
        for (const auto &[key, entry] : j["auths"].items()) {
            if (hostOf(QString::fromStdString(key)) != wanted || !entry.is_object())
                continue;
            const auto auth = entry.find("auth");
            if (auth == entry.end() || !auth->is_string())
                continue;
            const QByteArray decoded =
                QByteArray::fromBase64(QByteArray::fromStdString(auth->get<std::string>()));
            const qsizetype colon = decoded.indexOf(':');
            if (colon <= 0)
                continue;
            return Credentials{QString::fromUtf8(decoded.left(colon)),
                               QString::fromUtf8(decoded.mid(colon + 1)), path};
        }
    }
    return std::nullopt;
}

} // namespace Fcemu::Registry
