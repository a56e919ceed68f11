#pragma once

#include <functional>
#include <optional>

#include <QObject>
#include <QSet>

#include "Scenario.h"
#include "config/FunctionConfig.h"
#include "telemetry/InvocationRecord.h"

class QTimer;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

// Plays a Scenario against the loaded function, through the session's real engine: Play runs
// the steps one after another (each finished step stays on screen for the scenario's holdMs),
// Pause stops before the next step, Next runs one step, Restart goes back to the first step with
// no instance running. The scenario's settings (idle timeout, instances, concurrency) are applied
// to the function when it starts and the function's own are put back by restoreSettings().
class ScenarioRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScenarioRunner)

public:
    // How a call of a step is sent: by default the step's event through the session (the empty
    // event is "{}"); the presentation sends what the Invoke panel's Send sends.
    using Submit = std::function<QString(const ScenarioStep &step)>;

    enum class State {
        Ready,   // at a step, nothing running
        Running, // a step's calls are out, or it waits for the reclaim
        Holding, // playing: the finished step stays on screen before the next
        Finished // after the last step
    };

    explicit ScenarioRunner(Session::FunctionSession *session, QObject *parent = nullptr);
    ~ScenarioRunner() override;

    void setScenario(const Scenario &scenario);
    const Scenario &scenario() const { return m_scenario; }
    // Edits one step's narration (the teacher's own words).
    void setNarration(int step, const QString &narration);
    void setSubmit(Submit submit) { m_submit = std::move(submit); }

    void play();
    void pause();
    void next();
    void restart();
    // Puts back the function's settings the scenario changed (leaving the presentation).
    void restoreSettings();

    State state() const { return m_state; }
    bool isPlaying() const { return m_playing; }
    // The step on screen: the one running, just finished, or next to run; -1 before the first.
    int currentStep() const { return m_current; }
    // What happened in a step, one line: "1 call: cold, 1.25 s"; "" when it has not run.
    QString resultText(int step) const;
    // The records of a step's calls, in the order they finished.
    QList<Telemetry::InvocationRecord> stepRecords(int step) const;
    // A note on the function when the lesson cannot show everything (a job, no web server).
    QString functionNote() const;
    // The reclaim countdown while a wait step runs ("reclaim in 3 s"), else "".
    QString waitText() const;

signals:
    void stepStarted(int step);
    void stepFinished(int step);
    void stateChanged();
    void waitTextChanged(const QString &text);
    // The scenario stopped every instance (a new configuration, or a forced cold start): the
    // pool drops them without reporting each one stopped.
    void instancesRestarted();

private:
    void startStep(int step);
    void submitOne();
    void onFinished(const Telemetry::InvocationRecord &record);
    void checkReclaimed();
    qint64 idleSinceMs() const;
    void finishStep();
    void applySettings();
    void setState(State state);

    Session::FunctionSession *m_session;
    Scenario m_scenario;
    Submit m_submit;
    State m_state = State::Ready;
    bool m_playing = false;
    int m_current = -1;
    int m_next = 0; // the step Next or Play runs
    // The step running: its calls still to send (one after another) and in flight.
    int m_toSend = 0;
    QSet<QString> m_inFlight;
    QList<QList<Telemetry::InvocationRecord>> m_records; // per step
    QStringList m_results;                               // per step
    QTimer *m_hold;
    QTimer *m_reclaimTick;
    qint64 m_waitStartedMs = 0;
    qint64 m_lastCallEndMs = 0; // when the session's latest call finished: idle since then
    int m_waitLimitS = 0;
    std::optional<Config::FunctionConfig> m_original; // before applySettings()
};

} // namespace Fcemu::Ui
