#include "InvokePanel.h"

#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include "JsonHighlighter.h"
#include "ResponseView.h"
#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

const QString kSendShortcutText = u"Ctrl+Enter"_qs;

} // namespace

InvokePanel::InvokePanel(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session)
{
    m_modeNote = new QLabel;
    m_modeNote->setWordWrap(true);
    m_modeNote->setObjectName(u"modeNote"_qs);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(u"requestTabs"_qs);
    m_tabs->addTab(buildEventPage(), tr("Event"));
    m_tabs->addTab(buildHttpPage(), tr("HTTP"));

    // The shortcut is on the button itself: a new user sees it before reading any tooltip.
    m_send = new QPushButton(tr("Send  (%1)").arg(kSendShortcutText));
    m_send->setObjectName(u"send"_qs);
    m_send->setToolTip(
        tr("Send one request (%1, from anywhere in the window)").arg(kSendShortcutText));
    m_send->setDefault(true);
    m_sendMany = new QPushButton(tr("Send ×N"));
    m_sendMany->setToolTip(tr("Send N requests with at most C in flight at once"));
    m_count = new QSpinBox;
    m_count->setRange(1, 10'000);
    m_count->setValue(10);
    m_count->setPrefix(tr("N = "));
    m_concurrency = new QSpinBox;
    m_concurrency->setRange(1, 1'000);
    m_concurrency->setValue(3);
    m_concurrency->setPrefix(tr("C = "));
    m_concurrency->setToolTip(tr("At most this many requests in flight"));
    m_progress = new QLabel;
    m_progress->setObjectName(u"progress"_qs);

    // Send on a row of its own, Send ×N with N and C below, the batch's progress under them:
    // in one row they set a 430 px minimum on the dock (too wide for a 1280 px screen).
    m_progress->setWordWrap(true);
    auto *sendRow = new QVBoxLayout;
    auto *oneRow = new QHBoxLayout;
    oneRow->addWidget(m_send);
    oneRow->addStretch();
    auto *manyRow = new QHBoxLayout;
    manyRow->addWidget(m_sendMany);
    manyRow->addWidget(m_count);
    manyRow->addWidget(m_concurrency);
    manyRow->addStretch();
    sendRow->addLayout(oneRow);
    sendRow->addLayout(manyRow);
    sendRow->addWidget(m_progress);

    auto *requestPart = new QWidget;
    auto *requestLayout = new QVBoxLayout(requestPart);
    requestLayout->setContentsMargins(0, 0, 0, 0);
    requestLayout->addWidget(m_modeNote);
    requestLayout->addWidget(m_tabs, 1);
    requestLayout->addLayout(sendRow);

    m_response = new ResponseView;
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(requestPart);
    splitter->addWidget(m_response);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_send, &QPushButton::clicked, this, [this]() { send(); });
    connect(m_sendMany, &QPushButton::clicked, this, [this]() {
        if (m_batch.running)
            stopBatch();
        else
            sendMany(m_count->value(), m_concurrency->value());
    });
    for (const QKeySequence &keys :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        // Window-wide: focus starts in the request list's filter, and Ctrl+Enter must send the
        // sample from there too (README promises it at launch).
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WindowShortcut);
        connect(shortcut, &QShortcut::activated, this, [this]() { send(); });
    }

    if (m_session) {
        connect(m_session, &Session::FunctionSession::loaded, this,
                &InvokePanel::updateAvailability);
        connect(m_session, &Session::FunctionSession::unloaded, this, [this]() {
            if (m_batch.running) {
                m_batch.elapsedMs = QDateTime::currentMSecsSinceEpoch() - m_batch.startedMs;
                m_batch.running = false;
                m_batch.stopReason = tr("stopped: the function was unloaded");
                m_batch.inFlight.clear();
            }
            updateAvailability();
            updateProgress();
        });
        // reconfigure() can switch web-server mode on or off; the endpoint appears or goes.
        connect(m_session, &Session::FunctionSession::endpointChanged, this,
                &InvokePanel::updateAvailability);
        connect(m_session, &Session::FunctionSession::invocationFinished, this,
                &InvokePanel::onFinished);
        connect(m_session, &QObject::destroyed, this, [this]() {
            m_session = nullptr;
            m_batch = Batch();
            updateAvailability();
            updateProgress();
        });
    }
    loadSample(sampleNames().constFirst());
    updateAvailability();
    updateProgress();
}

InvokePanel::~InvokePanel() = default;

void InvokePanel::setMode(Mode mode)
{
    m_tabs->setCurrentIndex(mode == Mode::Http ? 1 : 0);
}

InvokePanel::Mode InvokePanel::mode() const
{
    return m_tabs->currentIndex() == 1 && isHttpAvailable() ? Mode::Http : Mode::Event;
}

bool InvokePanel::isHttpAvailable() const
{
    return m_session && m_session->isLoaded() && m_session->config().webServerMode;
}

void InvokePanel::updateAvailability()
{
    const bool loaded = m_session && m_session->isLoaded();
    const bool http = isHttpAvailable();
    m_tabs->setTabEnabled(1, http);
    const QString why = !loaded
                            ? tr("HTTP requests need a function loaded in web-server mode.")
                            : tr("HTTP requests need web-server mode: this function runs as a job "
                                 "(web-server mode off), which takes events only.");
    m_tabs->setTabToolTip(1, http ? tr("Compose an HTTP request to the HTTP trigger") : why);
    if (!loaded)
        m_modeNote->setText(tr("No function loaded: open an image to send requests."));
    else if (!http)
        m_modeNote->setText(why);
    else
        m_modeNote->clear();
    m_modeNote->setVisible(!m_modeNote->text().isEmpty());
    m_send->setEnabled(loaded);
    m_sendMany->setEnabled(loaded);
}

QString InvokePanel::submit(Mode mode, const QByteArray &event, const Http::HttpRequest &request)
{
    if (!m_session || !m_session->isLoaded())
        return {};
    const QString id = mode == Mode::Http && m_session->config().webServerMode
                           ? m_session->invokeHttp(request)
                           : m_session->invokeEvent(event);
    if (id.isEmpty())
        return {};
    m_latestId = id;
    m_response->showPending(id);
    emit requestSent(id);
    return id;
}

QString InvokePanel::send()
{
    updateAvailability();
    return submit(mode(), m_event->toPlainText().toUtf8(), httpRequest());
}

void InvokePanel::showResponse(const Telemetry::InvocationRecord &record)
{
    m_response->showResponse(record);
}

void InvokePanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_eventHighlighter->setPalette(palette());
        m_bodyHighlighter->setPalette(palette());
        updateEventCheck();
    }
}

} // namespace Fcemu::Ui
