#include "Scenario.h"

#include <algorithm>
#include <array>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include "config/FcLimits.h"

namespace Fcemu::Ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Fcemu::Ui::Scenario", text);
}

constexpr int kMaxStepCount = 1000; // calls in one step
constexpr int kMaxSteps = 200;
constexpr int kMaxHoldMs = 10 * 60 * 1000;
constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;

const std::array<std::pair<ScenarioStep::Kind, QStringView>, 3> kKinds{{
    {ScenarioStep::Kind::Invoke, u"invoke"},
    {ScenarioStep::Kind::WaitForReclaim, u"waitForReclaim"},
    {ScenarioStep::Kind::Burst, u"burst"},
}};

// An optional integer member within [low, high]; the error names the member.
Result<int> readInt(const QJsonObject &json, const QString &key, int fallback, int low, int high,
                    const QString &where)
{
    const QJsonValue value = json.value(key);
    if (value.isUndefined())
        return fallback;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number != double(qint64(number)) || number < low || number > high)
        return fail(ErrorKind::Usage, QStringLiteral("%1: \"%2\" must be a whole number from %3 "
                                                     "to %4")
                                          .arg(where, key)
                                          .arg(low)
                                          .arg(high));
    return int(number);
}

Result<QString> readString(const QJsonObject &json, const QString &key, const QString &where)
{
    const QJsonValue value = json.value(key);
    if (value.isUndefined())
        return QString();
    if (!value.isString())
        return fail(ErrorKind::Usage,
                    QStringLiteral("%1: \"%2\" must be a string").arg(where, key));
    return value.toString();
}

} // namespace

QString scenarioKindName(ScenarioStep::Kind kind)
{
    for (const auto &[k, name] : kKinds) {
        if (k == kind)
            return name.toString();
    }
    return {};
}

Scenario Scenario::builtIn()
{
    Scenario s;
    s.title = tr("Cold and warm starts");
    // Reclaimed 10 s after the last call: long enough to talk over a step (a finished step stays
    // 3 s), short enough to wait for in class (FC takes minutes).
    s.idleTimeoutS = 10;
    s.maxInstances = 3;
    s.instanceConcurrency = 1;
    s.holdMs = 3000;
    using Kind = ScenarioStep::Kind;
    s.steps = {
        {Kind::Invoke,
         1,
         tr("No instance is running: FC starts one (a sandbox, the server's start-up) "
            "before it can pass on the request. That is a cold start."),
         {}},
        {Kind::Invoke,
         3,
         tr("The instance is still there: the next calls go straight to it. Warm calls "
            "pay only for the request."),
         {}},
        {Kind::WaitForReclaim,
         1,
         tr("Nobody calls for a while: FC reclaims the idle instance (here after ten "
            "seconds; on FC after minutes)."),
         {}},
        {Kind::Invoke, 1, tr("The instance is gone, so the next call is cold again."), {}},
        {Kind::Burst,
         10,
         tr("Ten calls at once: each instance takes one, FC starts more up to the "
            "limit, and the calls beyond it are refused with 429."),
         {}},
    };
    return s;
}

QJsonObject Scenario::toJson() const
{
    QJsonArray list;
    for (const ScenarioStep &step : steps) {
        QJsonObject o{{u"kind"_qs, scenarioKindName(step.kind)}, {u"narration"_qs, step.narration}};
        if (step.kind != ScenarioStep::Kind::WaitForReclaim)
            o.insert(u"count"_qs, step.count);
        if (!step.event.isEmpty())
            o.insert(u"event"_qs, QString::fromUtf8(step.event));
        list.append(o);
    }
    QJsonObject json{{u"fcemuScenario"_qs, 1}, {u"title"_qs, title}, {u"holdMs"_qs, holdMs}};
    QJsonObject settings;
    if (idleTimeoutS > 0)
        settings.insert(u"idleTimeout"_qs, idleTimeoutS);
    if (maxInstances > 0)
        settings.insert(u"maxInstances"_qs, maxInstances);
    if (instanceConcurrency > 0)
        settings.insert(u"instanceConcurrency"_qs, instanceConcurrency);
    if (!settings.isEmpty())
        json.insert(u"settings"_qs, settings);
    json.insert(u"steps"_qs, list);
    return json;
}

Result<Scenario> Scenario::fromJson(const QJsonObject &json, const QString &where)
{
    if (json.value(u"fcemuScenario"_qs).toInt() != 1)
        return fail(ErrorKind::Usage,
                    QStringLiteral("%1: not an fcemu scenario (\"fcemuScenario\": 1 is missing)")
                        .arg(where));
    Scenario s;
    auto title = readString(json, u"title"_qs, where);
    if (!title)
        return std::unexpected(title.error());
    s.title = *title;
    auto hold = readInt(json, u"holdMs"_qs, s.holdMs, 0, kMaxHoldMs, where);
    if (!hold)
        return std::unexpected(hold.error());
    s.holdMs = *hold;
    const QJsonValue settingsValue = json.value(u"settings"_qs);
    if (!settingsValue.isUndefined() && !settingsValue.isObject())
        return fail(ErrorKind::Usage,
                    QStringLiteral("%1: \"settings\" must be an object").arg(where));
    const QJsonObject settings = settingsValue.toObject();
    const QString settingsWhere = where + u": settings"_qs;
    auto idle = readInt(settings, u"idleTimeout"_qs, 0, 1, Config::kMaxTimeoutS, settingsWhere);
    auto max =
        readInt(settings, u"maxInstances"_qs, 0, 1, Config::kMaxInstancesLimit, settingsWhere);
    auto concurrency =
        readInt(settings, u"instanceConcurrency"_qs, 0, 1, Config::kMaxConcurrency, settingsWhere);
    for (const auto *value : {&idle, &max, &concurrency}) {
        if (!*value)
            return std::unexpected(value->error());
    }
    s.idleTimeoutS = *idle;
    s.maxInstances = *max;
    s.instanceConcurrency = *concurrency;

    const QJsonValue stepsValue = json.value(u"steps"_qs);
    if (!stepsValue.isArray() || stepsValue.toArray().isEmpty() ||
        stepsValue.toArray().size() > kMaxSteps)
        return fail(ErrorKind::Usage,
                    QStringLiteral("%1: \"steps\" must be a list of 1 to %2 steps")
                        .arg(where)
                        .arg(kMaxSteps));
    const QJsonArray steps = stepsValue.toArray();
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const QString stepWhere = QStringLiteral("%1: step %2").arg(where).arg(i + 1);
        if (!steps.at(i).isObject())
            return fail(ErrorKind::Usage, stepWhere + u": must be an object"_qs);
        const QJsonObject o = steps.at(i).toObject();
        ScenarioStep step;
        const QString kind = o.value(u"kind"_qs).toString();
        const auto known = std::find_if(kKinds.begin(), kKinds.end(),
                                        [&](const auto &entry) { return entry.second == kind; });
        if (known == kKinds.end())
            return fail(ErrorKind::Usage,
                        QStringLiteral("%1: unknown kind \"%2\" (invoke, waitForReclaim or burst)")
                            .arg(stepWhere, kind));
        step.kind = known->first;
        auto count = readInt(o, u"count"_qs, 1, 1, kMaxStepCount, stepWhere);
        if (!count)
            return std::unexpected(count.error());
        step.count = step.kind == ScenarioStep::Kind::WaitForReclaim ? 1 : *count;
        auto narration = readString(o, u"narration"_qs, stepWhere);
        if (!narration)
            return std::unexpected(narration.error());
        step.narration = *narration;
        auto event = readString(o, u"event"_qs, stepWhere);
        if (!event)
            return std::unexpected(event.error());
        step.event = event->toUtf8();
        if (step.event.size() > Config::kMaxEventBytes)
            return fail(ErrorKind::Usage,
                        QStringLiteral("%1: the event is larger than FC's %2 bytes")
                            .arg(stepWhere)
                            .arg(Config::kMaxEventBytes));
        s.steps.append(step);
    }
    return s;
}

Result<Scenario> loadScenario(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io,
                    QStringLiteral("%1: cannot read: %2").arg(path, file.errorString()));
    if (file.size() > kMaxFileBytes)
        return fail(ErrorKind::Usage,
                    QStringLiteral("%1: larger than a scenario can be (4 MB)").arg(path));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        return fail(ErrorKind::Usage, QStringLiteral("%1: not JSON (at byte %2: %3)")
                                          .arg(path)
                                          .arg(error.offset)
                                          .arg(error.errorString()));
    if (!document.isObject())
        return fail(
            ErrorKind::Usage,
            QStringLiteral("%1: not an fcemu scenario (a JSON object is expected)").arg(path));
    return Scenario::fromJson(document.object(), path);
}

Status saveScenario(const Scenario &scenario, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorKind::Io,
                    QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    file.write(QJsonDocument(scenario.toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return fail(ErrorKind::Io,
                    QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    return {};
}

} // namespace Fcemu::Ui
