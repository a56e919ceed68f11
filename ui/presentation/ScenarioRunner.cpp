#include "ScenarioRunner.h"

#include <algorithm>

#include <QDateTime>
#include <QTimer>

#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

// A wait step gives up this long after the idle timeout (the pool's reclaim runs /pre-stop).
constexpr int kReclaimSlackS = 30;

} // namespace

ScenarioRunner::ScenarioRunner(Session::FunctionSession *session, QObject *parent)
    : QObject(parent), m_session(session), m_hold(new QTimer(this)), m_reclaimTick(new QTimer(this))
{
    m_hold->setSingleShot(true);
    m_reclaimTick->setInterval(250);
    m_submit = [this](const ScenarioStep &step) {
        return m_session->invokeEvent(step.event.isEmpty() ? QByteArray("{}") : step.event);
    };
    connect(m_hold, &QTimer::timeout, this, [this]() {
        if (m_playing && m_state == State::Holding)
            startStep(m_next);
    });
    connect(m_reclaimTick, &QTimer::timeout, this, &ScenarioRunner::checkReclaimed);
    connect(m_session, &Session::FunctionSession::invocationFinished, this,
            &ScenarioRunner::onFinished);
    connect(m_session, &Session::FunctionSession::instanceStateChanged, this,
            &ScenarioRunner::checkReclaimed);
    setScenario(Scenario::builtIn());
}

ScenarioRunner::~ScenarioRunner() = default;

void ScenarioRunner::setScenario(const Scenario &scenario)
{
    m_scenario = scenario;
    m_hold->stop();
    m_reclaimTick->stop();
    m_playing = false;
    m_inFlight.clear();
    m_toSend = 0;
    m_current = -1;
    m_next = 0;
    m_records = QList<QList<Telemetry::InvocationRecord>>(scenario.steps.size());
    m_results = QStringList(scenario.steps.size());
    setState(State::Ready);
}

void ScenarioRunner::setNarration(int step, const QString &narration)
{
    if (step >= 0 && step < m_scenario.steps.size())
        m_scenario.steps[step].narration = narration;
}

void ScenarioRunner::play()
{
    if (m_state == State::Finished)
        restart();
    m_playing = true;
    if (m_state == State::Ready)
        startStep(m_next);
    else if (m_state == State::Holding && !m_hold->isActive())
        m_hold->start(m_scenario.holdMs);
    emit stateChanged();
}

void ScenarioRunner::pause()
{
    m_playing = false;
    m_hold->stop();
    if (m_state == State::Holding)
        setState(State::Ready);
    emit stateChanged();
}

void ScenarioRunner::next()
{
    if (m_state == State::Running)
        return;
    if (m_state == State::Finished)
        return;
    m_hold->stop();
    startStep(m_next);
}

void ScenarioRunner::restart()
{
    const bool playing = m_playing;
    setScenario(m_scenario); // the first step applies the settings and stops every instance
    m_playing = playing;
    if (m_playing)
        startStep(0);
    emit stateChanged();
}

void ScenarioRunner::applySettings()
{
    if (!m_session->isLoaded())
        return;
    emit instancesRestarted();
    if (!m_session->config().webServerMode) {
        m_session->forceColdStart();
        return;
    }
    const Config::FunctionConfig own = m_original.value_or(m_session->config());
    Config::FunctionConfig demo = own;
    if (m_scenario.idleTimeoutS > 0)
        demo.idleTimeoutS = m_scenario.idleTimeoutS;
    if (m_scenario.maxInstances > 0)
        demo.maxInstances = m_scenario.maxInstances;
    if (m_scenario.instanceConcurrency > 0)
        demo.instanceConcurrency = m_scenario.instanceConcurrency;
    // Provisioned instances are never cold and never reclaimed: the lesson needs on-demand ones.
    demo.provisioned = 0;
    if (demo == m_session->config()) {
        m_session->forceColdStart(); // the first step must find no instance
        return;
    }
    if (!m_original)
        m_original = m_session->config();
    // A new configuration stops the instances: the next call is cold.
    if (!m_session->reconfigure(demo))
        m_original.reset();
}

void ScenarioRunner::restoreSettings()
{
    m_hold->stop();
    m_reclaimTick->stop();
    m_playing = false;
    m_inFlight.clear();
    if (m_state == State::Running || m_state == State::Holding)
        setState(State::Ready);
    if (!m_original)
        return;
    const Config::FunctionConfig own = *m_original;
    m_original.reset();
    if (m_session->isLoaded() && m_session->config() != own)
        (void)m_session->reconfigure(own);
}

void ScenarioRunner::startStep(int step)
{
    m_hold->stop();
    if (step < 0 || step >= m_scenario.steps.size()) {
        setState(State::Finished);
        return;
    }
    if (step == 0)
        applySettings();
    m_current = step;
    m_next = step + 1;
    m_records[step].clear();
    m_results[step].clear();
    m_inFlight.clear();
    setState(State::Running);
    emit stepStarted(step);
    const ScenarioStep &s = m_scenario.steps.at(step);
    if (!m_session->isLoaded()) {
        m_results[step] = tr("not run: no function is loaded");
        return finishStep();
    }
    switch (s.kind) {
    case ScenarioStep::Kind::Invoke:
        m_toSend = s.count;
        submitOne();
        return;
    case ScenarioStep::Kind::Burst:
        m_toSend = 0;
        for (int i = 0; i < s.count; ++i) {
            const QString id = m_submit(s);
            if (id.isEmpty())
                break;
            m_inFlight.insert(id);
        }
        if (m_inFlight.isEmpty()) {
            m_results[step] = tr("not run: the function took no request");
            finishStep();
        }
        return;
    case ScenarioStep::Kind::WaitForReclaim:
        m_toSend = 0;
        m_waitStartedMs = QDateTime::currentMSecsSinceEpoch();
        m_waitLimitS = m_session->config().idleTimeoutS + kReclaimSlackS;
        m_reclaimTick->start();
        checkReclaimed();
        return;
    }
}

void ScenarioRunner::submitOne()
{
    const ScenarioStep &s = m_scenario.steps.at(m_current);
    --m_toSend;
    const QString id = m_submit(s);
    if (id.isEmpty()) {
        m_toSend = 0;
        if (m_inFlight.isEmpty()) {
            m_results[m_current] = tr("not run: the function took no request");
            finishStep();
        }
        return;
    }
    m_inFlight.insert(id);
}

void ScenarioRunner::onFinished(const Telemetry::InvocationRecord &record)
{
    m_lastCallEndMs = QDateTime::currentMSecsSinceEpoch();
    if (m_state != State::Running || !m_inFlight.remove(record.requestId))
        return;
    m_records[m_current].append(record);
    if (m_toSend > 0) {
        submitOne();
        if (!m_inFlight.isEmpty())
            return;
    }
    if (m_inFlight.isEmpty() && m_toSend <= 0)
        finishStep();
}

QString ScenarioRunner::waitText() const
{
    if (m_state != State::Running || m_current < 0 ||
        m_scenario.steps.at(m_current).kind != ScenarioStep::Kind::WaitForReclaim)
        return {};
    const qint64 idle = QDateTime::currentMSecsSinceEpoch() - idleSinceMs();
    const qint64 left = qint64(m_session->config().idleTimeoutS) * 1000 - idle;
    if (left > 0)
        return tr("idle for %1 s: FC reclaims the instance in %2 s")
            .arg(idle / 1000)
            .arg((left + 999) / 1000);
    return tr("idle for %1 s: reclaiming").arg(idle / 1000);
}

qint64 ScenarioRunner::idleSinceMs() const
{
    return std::max(m_lastCallEndMs, m_waitStartedMs - qint64(m_scenario.holdMs));
}

void ScenarioRunner::checkReclaimed()
{
    if (m_state != State::Running || m_current < 0 ||
        m_scenario.steps.at(m_current).kind != ScenarioStep::Kind::WaitForReclaim)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!m_session->isLoaded() || m_session->instanceCount() == 0) {
        m_results[m_current] =
            now - m_waitStartedMs < 300
                ? tr("no instance was running")
                : tr("reclaimed after %1 idle").arg(formatDuration(double(now - idleSinceMs())));
        return finishStep();
    }
    if (now - m_waitStartedMs > qint64(m_waitLimitS) * 1000) {
        m_results[m_current] = tr("still running after %1 s: not reclaimed").arg(m_waitLimitS);
        return finishStep();
    }
    emit waitTextChanged(waitText());
}

void ScenarioRunner::finishStep()
{
    m_reclaimTick->stop();
    const int step = m_current;
    const ScenarioStep &s = m_scenario.steps.at(step);
    const QList<Telemetry::InvocationRecord> &records = m_records.at(step);
    if (m_results.at(step).isEmpty() && !records.isEmpty()) {
        int cold = 0, warm = 0, throttled = 0, failed = 0;
        double servedMs = 0;
        QSet<QString> instances;
        for (const Telemetry::InvocationRecord &r : records) {
            if (r.statusCode == 429) {
                ++throttled;
            } else if (r.error && r.instanceId.isEmpty()) {
                ++failed;
            } else {
                (r.coldStart ? cold : warm) += 1;
                servedMs += r.timings.totalMs;
                instances.insert(r.instanceId);
            }
        }
        const int served = cold + warm;
        QStringList parts;
        if (cold == 1 && warm == 0)
            parts << tr("cold, %1").arg(formatDuration(servedMs));
        else if (warm > 0 && cold == 0)
            parts << tr("%n warm", nullptr, warm) + u", "_qs +
                         tr("%1 on average").arg(formatDuration(servedMs / warm));
        else if (served > 0)
            parts << tr("%1 cold, %2 warm").arg(cold).arg(warm);
        if (s.kind == ScenarioStep::Kind::Burst && served > 0)
            parts << tr("served by %n instance(s)", nullptr, int(instances.size()));
        if (throttled > 0)
            parts << tr("%1 refused with 429").arg(throttled);
        if (failed > 0)
            parts << tr("%1 failed").arg(failed);
        m_results[step] = (s.kind == ScenarioStep::Kind::Burst
                               ? tr("%n call(s) at once: ", nullptr, int(records.size()))
                               : tr("%n call(s): ", nullptr, int(records.size()))) +
                          parts.join(u", "_qs);
    }
    m_toSend = 0;
    m_inFlight.clear();
    if (m_next >= m_scenario.steps.size()) {
        m_playing = false;
        setState(State::Finished);
    } else if (m_playing) {
        setState(State::Holding);
        m_hold->start(m_scenario.holdMs);
    } else {
        setState(State::Ready);
    }
    emit stepFinished(step);
}

void ScenarioRunner::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged();
}

QString ScenarioRunner::resultText(int step) const
{
    return step >= 0 && step < m_results.size() ? m_results.at(step) : QString();
}

QList<Telemetry::InvocationRecord> ScenarioRunner::stepRecords(int step) const
{
    return step >= 0 && step < m_records.size() ? m_records.at(step)
                                                : QList<Telemetry::InvocationRecord>();
}

QString ScenarioRunner::functionNote() const
{
    if (!m_session->isLoaded())
        return tr("No function loaded: open one first (File ▸ Open Sample Function).");
    if (!m_session->config().webServerMode)
        return tr("This function runs as a job (web-server mode off): every call starts a new "
                  "instance, so there are no warm calls and no 429.");
    return {};
}

} // namespace Fcemu::Ui
