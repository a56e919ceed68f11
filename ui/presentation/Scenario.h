#pragma once

// The scripted demo of View ▸ Presentation (issue 13 item 7): steps with a narration line each,
// the function settings the demo needs (a short idle timeout so reclaim happens while the class
// watches, few instances so a burst meets 429), saved and loaded as JSON. No widgets, no engine:
// ScenarioRunner plays it against the session.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "common/Error.h"

namespace Fcemu::Ui {

struct ScenarioStep
{
    enum class Kind {
        Invoke,         // `count` calls one after another (the first cold, the rest warm)
        WaitForReclaim, // until FC has reclaimed every idle instance
        Burst,          // `count` calls at once: the pool scales out, beyond it 429
    };
    Kind kind = Kind::Invoke;
    int count = 1;
    QString narration;
    // The event sent; empty: the request the Invoke panel is set up for (its Send).
    QByteArray event;
    friend bool operator==(const ScenarioStep &, const ScenarioStep &) = default;
};

// "invoke", "waitForReclaim", "burst": the names in the JSON file.
QString scenarioKindName(ScenarioStep::Kind kind);

struct Scenario
{
    QString title;
    // Applied to the function while the scenario runs (0: keep the function's own value) and
    // put back when the presentation ends.
    int idleTimeoutS = 0;
    int maxInstances = 0;
    int instanceConcurrency = 0;
    // How long a finished step stays on screen before the next one starts when playing.
    int holdMs = 4000;
    QList<ScenarioStep> steps;
    friend bool operator==(const Scenario &, const Scenario &) = default;

    // Cold → warm ×3 → idle reclaim → cold → a burst that scales out and meets 429.
    static Scenario builtIn();

    QJsonObject toJson() const;
    // `where` names the file in errors: "lesson.json: step 3: unknown kind "sleep"".
    static Result<Scenario> fromJson(const QJsonObject &json, const QString &where);
};

// One line naming the file on every failure.
Result<Scenario> loadScenario(const QString &path);
Status saveScenario(const Scenario &scenario, const QString &path);

} // namespace Fcemu::Ui
