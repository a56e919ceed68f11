#include "FunctionSettingsStore.h"

#include <QSettings>
#include <QUrl>

namespace Fcemu::Ui {

namespace {

const QString kConfigKey = u"config"_qs;

} // namespace

QString functionSettingsGroup(const QString &imageKey)
{
    // QSettings treats '/' (and '\\' on some back ends) as group separators and collapses
    // repeated ones, which would make "/a.tar" and "a.tar" the same group.
    const QByteArray encoded = QUrl::toPercentEncoding(imageKey, " :@+=,;!$&'()*~._-");
    return u"functions/"_qs + QString::fromLatin1(encoded);
}

void saveFunctionSettings(const QString &imageKey, const Config::FunctionConfig &config)
{
    QSettings settings;
    settings.beginGroup(functionSettingsGroup(imageKey));
    settings.setValue(kConfigKey, QString::fromStdString(Config::toJson(config).dump()));
    settings.endGroup();
}

std::optional<Config::FunctionConfig> loadFunctionSettings(const QString &imageKey)
{
    QSettings settings;
    settings.beginGroup(functionSettingsGroup(imageKey));
    const QString text = settings.value(kConfigKey).toString();
    settings.endGroup();
    if (text.isEmpty())
        return std::nullopt;
    // A hand-edited or older settings file must not throw into the event loop.
    const auto json = nlohmann::ordered_json::parse(text.toStdString(), nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return std::nullopt;
    auto config = Config::fromJson(json);
    if (!config)
        return std::nullopt;
    return *config;
}

} // namespace Fcemu::Ui
