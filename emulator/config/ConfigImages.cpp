#include "config/ConfigImages.h"

#include <QDir>
#include <QFileInfo>

#include "config/ConfigReaders.h"

// Where each format keeps a custom container's image: fc3 resources.KEY.props
// .customContainerConfig.image, fc services.KEY.props.function.customContainerConfig.image,
// Funcraft Resources.SERVICE.FUNCTION.Properties.CustomContainerConfig.Image. The function's
// name follows the readers (ReadFc3.cpp, ReadFc.cpp, ReadFuncraft.cpp).

namespace Fcemu::Config {

namespace {

using detail::Json;

const Json *child(const Json &node, const char *key)
{
    if (!node.is_object())
        return nullptr;
    const auto it = node.find(key);
    return it == node.end() || it->is_null() ? nullptr : &*it;
}

QString text(const Json *node)
{
    return node && node->is_string() ? QString::fromStdString(node->get<std::string>()).trimmed()
                                     : QString();
}

QString imageAt(const Json &container, const char *key)
{
    return text(child(container, key));
}

// A file path is taken against the config file's folder (where `s deploy` runs); a registry
// reference is not a path.
QString resolvedImage(const QString &image, const QString &configPath)
{
    if (image.isEmpty() || QDir::isAbsolutePath(image))
        return image;
    const QString besideConfig = QFileInfo(configPath).absoluteDir().filePath(image);
    if (image.startsWith(u'.') || QFileInfo::exists(besideConfig))
        return QDir::cleanPath(besideConfig);
    return image;
}

} // namespace

Result<QList<ConfigFunctionImage>> listConfigImages(const QString &path, const QString &accountId)
{
    auto names = listConfigFunctions(path, accountId);
    if (!names)
        return std::unexpected(names.error());
    auto parsed = detail::parseFile(path, accountId);
    if (!parsed)
        return std::unexpected(parsed.error());
    const Json &root = parsed->root;
    QList<ConfigFunctionImage> found;
    const auto add = [&](const QString &name, const std::string &key, const QString &image) {
        if (names->contains(name))
            found.append({name, QString::fromStdString(key), resolvedImage(image, path)});
    };
    switch (detail::detect(root)) {
    case ConfigFormat::ServerlessDevsFc3:
        if (const Json *resources = child(root, "resources"); resources && resources->is_object())
            for (auto it = resources->begin(); it != resources->end(); ++it) {
                const Json *props = child(it.value(), "props");
                if (!props ||
                    detail::componentName(it.value().value("component", Json())) != u"fc3"_qs)
                    continue;
                QString name = text(child(*props, "functionName"));
                if (name.isEmpty())
                    name = QString::fromStdString(it.key());
                const Json *container = child(*props, "customContainerConfig");
                add(name, it.key(), container ? imageAt(*container, "image") : QString());
            }
        break;
    case ConfigFormat::ServerlessDevsFc:
        if (const Json *services = child(root, "services"); services && services->is_object())
            for (auto it = services->begin(); it != services->end(); ++it) {
                const Json *props = child(it.value(), "props");
                const Json *function = props ? child(*props, "function") : nullptr;
                if (!function ||
                    detail::componentName(it.value().value("component", Json())) != u"fc"_qs)
                    continue;
                QString name = text(child(*function, "name"));
                if (name.isEmpty())
                    name = QString::fromStdString(it.key());
                const Json *container = child(*function, "customContainerConfig");
                add(name, it.key(), container ? imageAt(*container, "image") : QString());
            }
        break;
    case ConfigFormat::Funcraft:
        if (const Json *resources = child(root, "Resources"); resources && resources->is_object())
            for (auto it = resources->begin(); it != resources->end(); ++it) {
                const auto functionImage = [&](const std::string &key, const Json &fn) {
                    const Json *props = child(fn, "Properties");
                    const Json *container =
                        props ? child(*props, "CustomContainerConfig") : nullptr;
                    add(QString::fromStdString(key), key,
                        container ? imageAt(*container, "Image") : QString());
                };
                const QString type = text(child(it.value(), "Type"));
                if (type == u"Aliyun::Serverless::Function"_qs) {
                    functionImage(it.key(), it.value());
                } else if (type == u"Aliyun::Serverless::Service"_qs) {
                    for (auto fn = it.value().begin(); fn != it.value().end(); ++fn)
                        if (text(child(fn.value(), "Type")) == u"Aliyun::Serverless::Function"_qs)
                            functionImage(fn.key(), fn.value());
                }
            }
        break;
    case ConfigFormat::Plain:
        for (const QString &name : *names)
            found.append({name, {}, {}});
        break;
    }
    return found;
}

} // namespace Fcemu::Config
