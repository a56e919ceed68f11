// InvokePanel's Send ×N: N requests with at most C in flight, and the progress label (split
// from InvokePanel.cpp).
#include "InvokePanel.h"

#include <QDateTime>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>

#include "ResponseView.h"
#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

void InvokePanel::sendMany(int count, int concurrency)
{
    updateAvailability();
    if (m_batch.running || count < 1 || concurrency < 1 || !m_session || !m_session->isLoaded())
        return;
    m_batch = Batch();
    m_batch.running = true;
    m_batch.mode = mode();
    m_batch.event = m_event->toPlainText().toUtf8();
    m_batch.request = httpRequest();
    m_batch.total = count;
    m_batch.concurrency = concurrency;
    m_batch.startedMs = QDateTime::currentMSecsSinceEpoch();
    m_sendMany->setText(tr("Stop"));
    // Submit C now; onFinished() submits one more each time one of ours finishes.
    while (m_batch.running && m_batch.submitted < m_batch.total &&
           m_batch.inFlight.size() < m_batch.concurrency) {
        const QString id = submit(m_batch.mode, m_batch.event, m_batch.request);
        if (id.isEmpty()) {
            m_batch.running = false;
            m_batch.stopReason = tr("stopped: the function could not take the request");
            break;
        }
        m_batch.inFlight.insert(id);
        ++m_batch.submitted;
    }
    updateProgress();
}

void InvokePanel::stopBatch()
{
    if (!m_batch.running)
        return;
    // Requests already in flight finish on their own; no more are sent.
    m_batch.total = m_batch.submitted;
    m_batch.stopReason = tr("stopped");
    if (m_batch.inFlight.isEmpty()) {
        m_batch.elapsedMs = QDateTime::currentMSecsSinceEpoch() - m_batch.startedMs;
        m_batch.running = false;
    }
    updateProgress();
}

void InvokePanel::onFinished(const Telemetry::InvocationRecord &record)
{
    if (record.requestId == m_latestId)
        showResponse(record);
    if (!m_batch.running || !m_batch.inFlight.remove(record.requestId))
        return;
    ++m_batch.finished;
    if (record.error || record.statusCode >= 400)
        ++m_batch.failed;
    if (m_batch.submitted < m_batch.total) {
        const QString id = submit(m_batch.mode, m_batch.event, m_batch.request);
        if (id.isEmpty()) {
            m_batch.total = m_batch.submitted;
            m_batch.stopReason = tr("stopped: the function could not take the request");
        } else {
            m_batch.inFlight.insert(id);
            ++m_batch.submitted;
        }
    }
    if (m_batch.inFlight.isEmpty() && m_batch.submitted >= m_batch.total) {
        m_batch.elapsedMs = QDateTime::currentMSecsSinceEpoch() - m_batch.startedMs;
        m_batch.running = false;
    }
    updateProgress();
}

QString InvokePanel::progressText() const
{
    return m_progress->text();
}

void InvokePanel::updateProgress()
{
    if (m_batch.total == 0 && !m_batch.running) {
        m_progress->setText(m_batch.stopReason);
        m_sendMany->setText(tr("Send ×N"));
        return;
    }
    // Measured while the batch runs and frozen when it ends: a label redrawn later (a reload,
    // an unload) must keep the batch's own time, not the time since it started.
    if (m_batch.running)
        m_batch.elapsedMs = QDateTime::currentMSecsSinceEpoch() - m_batch.startedMs;
    QString text;
    if (m_batch.running) {
        text = tr("%1 of %2 done, %3 in flight")
                   .arg(m_batch.finished)
                   .arg(m_batch.total)
                   .arg(m_batch.inFlight.size());
    } else {
        text = tr("%1 of %2 done in %3")
                   .arg(m_batch.finished)
                   .arg(m_batch.total)
                   .arg(formatDuration(double(m_batch.elapsedMs)));
    }
    if (m_batch.failed > 0)
        text += tr(", %1 failed").arg(m_batch.failed);
    if (!m_batch.stopReason.isEmpty())
        text += u" ("_qs + m_batch.stopReason + u')';
    m_progress->setText(text);
    m_sendMany->setText(m_batch.running ? tr("Stop") : tr("Send ×N"));
}

} // namespace Fcemu::Ui
