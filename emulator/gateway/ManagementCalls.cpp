#include "gateway/ManagementCalls.h"

#include <QDateTime>
#include <QProcessEnvironment>
#include <QUuid>

#include <nlohmann/json.hpp>

#include "config/Environment.h"

namespace Fcemu::Gateway {

namespace {

// "2026-12-06T01:40:00Z", as FC writes its times.
std::string isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate).toStdString();
}

nlohmann::ordered_json environmentJson(const Config::FunctionConfig &config)
{
    nlohmann::ordered_json env = nlohmann::ordered_json::object();
    for (const Config::EnvVar &v : config.env)
        env[v.key.toStdString()] = v.value.toStdString();
    return env;
}

nlohmann::ordered_json stringList(const QStringList &list)
{
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const QString &s : list)
        a.push_back(s.toStdString());
    return a;
}

nlohmann::ordered_json hookJson(const Config::LifecycleHook &hook)
{
    return {{"handler", hook.handler.toStdString()}, {"timeout", hook.timeoutS}};
}

// FC2's Service (2016-08-15 GetService).
nlohmann::ordered_json fc2Service(const Config::FunctionConfig &config, const std::string &time)
{
    return {{"serviceName", config.serviceName.toStdString()},
            {"serviceId", QUuid::createUuidV5(QUuid(), u"service/"_qs + config.serviceName)
                              .toString(QUuid::WithoutBraces)
                              .toStdString()},
            {"description", ""},
            {"role", ""},
            {"logConfig", {{"project", ""}, {"logstore", ""}}},
            {"internetAccess", true},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

// FC2's Function (2016-08-15 GetFunction) for a custom container: command and args are JSON
// strings in FC2's API.
nlohmann::ordered_json fc2Function(const ManagedFunction &f, const std::string &time)
{
    const Config::FunctionConfig &config = *f.config;
    const auto jsonString = [](const QStringList &list) {
        return list.isEmpty() ? std::string() : stringList(list).dump();
    };
    nlohmann::ordered_json lifecycle = nlohmann::ordered_json::object();
    if (!config.preFreeze.handler.isEmpty())
        lifecycle["preFreeze"] = hookJson(config.preFreeze);
    if (!config.preStop.handler.isEmpty())
        lifecycle["preStop"] = hookJson(config.preStop);
    return {{"functionId",
             QUuid::createUuidV5(QUuid(), u"function/"_qs + config.serviceName + u'/' + config.name)
                 .toString(QUuid::WithoutBraces)
                 .toStdString()},
            {"functionName", config.name.toStdString()},
            {"description", ""},
            {"runtime", "custom-container"},
            {"handler", config.handler.toStdString()},
            {"timeout", config.timeoutS},
            {"initializer", config.initializer.handler.toStdString()},
            {"initializationTimeout", config.initializer.timeoutS},
            {"memorySize", config.memoryMB},
            {"cpu", Config::effectiveCpu(config)},
            {"diskSize", config.diskSizeMB},
            {"instanceType",
             config.instanceType == Config::InstanceType::Gpu ? "fc.gpu.tesla.1" : "e1"},
            {"instanceConcurrency", config.instanceConcurrency},
            {"caPort", config.caPort},
            {"customContainerConfig",
             {{"image", f.image.toStdString()},
              {"command", jsonString(config.command)},
              {"args", jsonString(config.args)},
              {"accelerationType", "Default"},
              {"webServerMode", config.webServerMode}}},
            {"environmentVariables", environmentJson(config)},
            {"instanceLifecycleConfig", lifecycle},
            {"codeChecksum", f.checksum.toStdString()},
            {"codeSize", 0},
            {"layers", nlohmann::ordered_json::array()},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

// FC3's Function (2023-03-30 GetFunction): entrypoint and command are lists.
nlohmann::ordered_json fc3Function(const ManagedFunction &f, const std::string &time)
{
    const Config::FunctionConfig &config = *f.config;
    const QString accountId =
        !config.accountId.isEmpty()
            ? config.accountId
            : Config::hostCredentials(QProcessEnvironment::systemEnvironment()).accountId;
    nlohmann::ordered_json lifecycle = nlohmann::ordered_json::object();
    if (!config.initializer.handler.isEmpty())
        lifecycle["initializer"] = hookJson(config.initializer);
    if (!config.preStop.handler.isEmpty())
        lifecycle["preStop"] = hookJson(config.preStop);
    return {{"functionId", QUuid::createUuidV5(QUuid(), u"function/"_qs + config.name)
                               .toString(QUuid::WithoutBraces)
                               .toStdString()},
            {"functionName", config.name.toStdString()},
            {"functionArn", QString(u"acs:fc:"_qs + config.region + u':' + accountId +
                                    u":functions/" + config.name)
                                .toStdString()},
            {"description", ""},
            {"runtime", "custom-container"},
            {"handler", config.handler.toStdString()},
            {"timeout", config.timeoutS},
            {"memorySize", config.memoryMB},
            {"cpu", Config::effectiveCpu(config)},
            {"diskSize", config.diskSizeMB},
            {"instanceConcurrency", config.instanceConcurrency},
            {"customContainerConfig",
             {{"image", f.image.toStdString()},
              {"resolvedImageUri", f.resolvedImage.toStdString()},
              {"entrypoint", stringList(config.command)},
              {"command", stringList(config.args)},
              {"port", config.caPort}}},
            {"environmentVariables", environmentJson(config)},
            {"instanceLifecycleConfig", lifecycle},
            {"internetAccess", true},
            {"codeChecksum", f.checksum.toStdString()},
            {"codeSize", 0},
            {"state", "Active"},
            {"lastUpdateStatus", "Successful"},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

} // namespace

Http::HttpResponse managementResponse(const Route &route, const QList<ManagedFunction> &functions,
                                      const QString &requestId)
{
    static const std::string started = isoTime(QDateTime::currentDateTimeUtc());
    const ManagedFunction &one = functions.at(qBound(0, route.function, int(functions.size()) - 1));
    // The functions a List* call names; a route made by hand without any lists every one.
    QList<int> listed = route.functions;
    if (listed.isEmpty())
        for (int i = 0; i < functions.size(); ++i)
            listed.append(i);
    const auto list = [&](auto describe) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const int i : listed)
            items.push_back(describe(functions.at(i)));
        return items;
    };
    const auto fc2Fn = [&](const ManagedFunction &f) { return fc2Function(f, started); };
    const auto fc3Fn = [&](const ManagedFunction &f) { return fc3Function(f, started); };
    nlohmann::ordered_json body;
    if (route.api == ApiGeneration::Fc2) {
        if (route.call == u"GetService"_qs)
            body = fc2Service(*one.config, started);
        else if (route.call == u"ListServices"_qs)
            body = {{"services", list([&](const ManagedFunction &f) {
                         return fc2Service(*f.config, started);
                     })},
                    {"nextToken", nullptr}};
        else if (route.call == u"GetFunction"_qs)
            body = fc2Fn(one);
        else
            body = {{"functions", list(fc2Fn)}, {"nextToken", nullptr}};
    } else if (route.call == u"GetFunction"_qs) {
        body = fc3Fn(one);
    } else {
        body = {{"functions", list(fc3Fn)}, {"nextToken", ""}};
    }
    Http::HttpResponse r;
    r.status = 200;
    r.setHeader("X-Fc-Request-Id", requestId.toUtf8());
    r.setHeader("Content-Type", "application/json");
    r.body = QByteArray::fromStdString(body.dump());
    return r;
}

Http::HttpResponse managementResponse(const Route &route, const ManagedFunction &function,
                                      const QString &requestId)
{
    Route single = route;
    single.function = 0;
    single.functions = {0};
    return managementResponse(single, QList<ManagedFunction>{function}, requestId);
}

} // namespace Fcemu::Gateway
