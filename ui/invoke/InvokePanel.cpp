#include "InvokePanel.h"

#include <QComboBox>
#include <QDateTime>
#include <QEvent>
#include <QFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "JsonHighlighter.h"
#include "ResponseView.h"
#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

const QString kSendShortcutText = u"Ctrl+Enter"_qs;

struct Sample
{
    const char *name;
    const char *resource;
};

// FC's event shapes, compiled in from resources/events/.
constexpr Sample kSamples[] = {
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "Timer trigger"), ":/events/timer.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "OSS trigger"), ":/events/oss.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "HTTP trigger event"), ":/events/http.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "Plain text"), ":/events/plain.txt"},
};

QColor warningColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0xf0, 0xb4, 0x4c) : QColor(0x9a, 0x52, 0x00);
}

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

    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_send);
    sendRow->addSpacing(12);
    sendRow->addWidget(m_sendMany);
    sendRow->addWidget(m_count);
    sendRow->addWidget(m_concurrency);
    sendRow->addWidget(m_progress, 1);

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

QWidget *InvokePanel::buildEventPage()
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *page = new QWidget;

    auto *samples = new QToolButton;
    samples->setText(tr("Samples"));
    samples->setPopupMode(QToolButton::InstantPopup);
    auto *samplesMenu = new QMenu(samples);
    for (const QString &name : sampleNames())
        samplesMenu->addAction(name, this, [this, name]() { loadSample(name); });
    samples->setMenu(samplesMenu);

    m_savedButton = new QToolButton;
    m_savedButton->setText(tr("Saved"));
    m_savedButton->setPopupMode(QToolButton::InstantPopup);
    m_savedMenu = new QMenu(m_savedButton);
    m_savedButton->setMenu(m_savedMenu);
    connect(m_savedMenu, &QMenu::aboutToShow, this, &InvokePanel::rebuildSavedMenu);

    auto *saveAs = new QToolButton;
    saveAs->setText(tr("Save as…"));
    connect(saveAs, &QToolButton::clicked, this, &InvokePanel::askSaveEvent);

    auto *tools = new QHBoxLayout;
    tools->addWidget(samples);
    tools->addWidget(m_savedButton);
    tools->addWidget(saveAs);
    tools->addStretch();

    m_event = new QPlainTextEdit;
    m_event->setObjectName(u"event"_qs);
    m_event->setFont(mono);
    m_event->setTabChangesFocus(true);
    m_event->setPlaceholderText(tr("The event: any bytes; JSON is checked as you type"));
    m_eventHighlighter = new JsonHighlighter(m_event->document());
    m_eventCheck = new QLabel;
    m_eventCheck->setObjectName(u"eventCheck"_qs);
    m_eventCheck->setWordWrap(true);
    m_eventCheck->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_event, &QPlainTextEdit::textChanged, this, &InvokePanel::updateEventCheck);

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(tools);
    layout->addWidget(m_event, 1);
    layout->addWidget(m_eventCheck);
    return page;
}

QWidget *InvokePanel::buildHttpPage()
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *page = new QWidget;

    m_method = new QComboBox;
    m_method->setEditable(true); // FC passes any method token through
    m_method->addItems(
        {u"GET"_qs, u"POST"_qs, u"PUT"_qs, u"PATCH"_qs, u"DELETE"_qs, u"HEAD"_qs, u"OPTIONS"_qs});
    m_path = new QLineEdit(u"/"_qs);
    m_path->setObjectName(u"path"_qs);
    m_path->setPlaceholderText(tr("/path"));
    m_query = new QLineEdit;
    m_query->setObjectName(u"query"_qs);
    m_query->setPlaceholderText(tr("query, e.g. sleep=200&name=fc"));
    auto *line = new QHBoxLayout;
    line->addWidget(m_method);
    line->addWidget(m_path, 2);
    line->addWidget(new QLabel(u"?"_qs));
    line->addWidget(m_query, 2);

    m_httpUrl = new QLabel;
    m_httpUrl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_httpUrl->setForegroundRole(QPalette::PlaceholderText);
    // A long trigger URL must not set the dock's minimum width (at 1280 px it pushed the window
    // past the screen): the label takes what it is given, the whole URL is in its tooltip.
    m_httpUrl->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_httpUrl->setObjectName(u"httpUrl"_qs);

    m_headers = new QTableWidget(0, 2);
    m_headers->setObjectName(u"requestHeaders"_qs);
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_headers->setMinimumHeight(70);
    auto *addHeader = new QToolButton;
    addHeader->setText(tr("Add header"));
    auto *removeHeader = new QToolButton;
    removeHeader->setText(tr("Remove"));
    connect(addHeader, &QToolButton::clicked, this, [this]() {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem);
        m_headers->setItem(row, 1, new QTableWidgetItem);
        m_headers->setCurrentCell(row, 0);
        m_headers->editItem(m_headers->item(row, 0));
    });
    connect(removeHeader, &QToolButton::clicked, this, [this]() {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
    });
    auto *headerButtons = new QVBoxLayout;
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch();
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_headers, 1);
    headerRow->addLayout(headerButtons);

    m_body = new QPlainTextEdit;
    m_body->setObjectName(u"httpBody"_qs);
    m_body->setFont(mono);
    m_body->setTabChangesFocus(true);
    m_body->setPlaceholderText(tr("Request body (optional)"));
    m_bodyHighlighter = new JsonHighlighter(m_body->document());

    auto updateUrl = [this]() {
        const QString target = QString::fromUtf8(httpRequest().target);
        const QString url = m_session ? m_session->httpTriggerUrl(target) : QString();
        m_httpUrl->setText(url.isEmpty() ? tr("The function sees %1").arg(target)
                                         : tr("HTTP trigger: %1").arg(url));
        m_httpUrl->setToolTip(m_httpUrl->text());
    };
    connect(m_path, &QLineEdit::textChanged, this, updateUrl);
    connect(m_query, &QLineEdit::textChanged, this, updateUrl);
    if (m_session)
        connect(m_session, &Session::FunctionSession::endpointChanged, this, updateUrl);
    updateUrl();

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(line);
    layout->addWidget(m_httpUrl);
    layout->addLayout(headerRow, 1);
    layout->addWidget(new QLabel(tr("Body")));
    layout->addWidget(m_body, 2);
    return page;
}

QStringList InvokePanel::sampleNames()
{
    QStringList names;
    for (const Sample &sample : kSamples)
        names.append(tr(sample.name));
    return names;
}

QByteArray InvokePanel::sampleEvent(const QString &name)
{
    for (const Sample &sample : kSamples) {
        if (tr(sample.name) != name)
            continue;
        QFile file(QString::fromLatin1(sample.resource));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return file.readAll();
    }
    return {};
}

void InvokePanel::loadSample(const QString &name)
{
    m_event->setPlainText(QString::fromUtf8(sampleEvent(name)));
}

QString InvokePanel::savedEventsKey() const
{
    const QString function = m_session && m_session->isLoaded() ? m_session->config().name
                                                                : Config::FunctionConfig().name;
    return u"savedEvents/"_qs + QString::fromLatin1(QUrl::toPercentEncoding(function));
}

QVariantMap InvokePanel::savedEvents() const
{
    return QSettings().value(savedEventsKey()).toMap();
}

QStringList InvokePanel::savedEventNames() const
{
    return savedEvents().keys();
}

void InvokePanel::saveEvent(const QString &name)
{
    if (name.trimmed().isEmpty())
        return;
    QVariantMap events = savedEvents();
    events.insert(name.trimmed(), m_event->toPlainText().toUtf8());
    QSettings().setValue(savedEventsKey(), events);
}

bool InvokePanel::loadSavedEvent(const QString &name)
{
    const QVariantMap events = savedEvents();
    const auto it = events.constFind(name);
    if (it == events.cend())
        return false;
    m_event->setPlainText(QString::fromUtf8(it->toByteArray()));
    return true;
}

void InvokePanel::deleteSavedEvent(const QString &name)
{
    QVariantMap events = savedEvents();
    if (events.remove(name) == 0)
        return;
    QSettings settings;
    if (events.isEmpty())
        settings.remove(savedEventsKey());
    else
        settings.setValue(savedEventsKey(), events);
}

void InvokePanel::askSaveEvent()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save event"),
                                               tr("Name for this event (kept for function %1):")
                                                   .arg(m_session && m_session->isLoaded()
                                                            ? m_session->config().name
                                                            : Config::FunctionConfig().name),
                                               QLineEdit::Normal, {}, &ok);
    if (ok)
        saveEvent(name);
}

void InvokePanel::rebuildSavedMenu()
{
    m_savedMenu->clear();
    const QStringList names = savedEventNames();
    if (names.isEmpty()) {
        m_savedMenu->addAction(tr("No saved events for this function"))->setEnabled(false);
        return;
    }
    for (const QString &name : names)
        m_savedMenu->addAction(name, this, [this, name]() { loadSavedEvent(name); });
    m_savedMenu->addSeparator();
    QMenu *deleteMenu = m_savedMenu->addMenu(tr("Delete"));
    for (const QString &name : names)
        deleteMenu->addAction(name, this, [this, name]() { deleteSavedEvent(name); });
}

QString InvokePanel::eventProblem() const
{
    return m_eventCheck->text();
}

void InvokePanel::updateEventCheck()
{
    const JsonCheck check = checkJson(m_event->toPlainText().toUtf8());
    m_eventCheck->setText(check.summary());
    QPalette p = palette();
    if (!check.valid)
        p.setColor(QPalette::WindowText, warningColor(palette()));
    m_eventCheck->setPalette(p);
}

Http::HttpRequest InvokePanel::httpRequest() const
{
    Http::HttpRequest request;
    request.method = m_method->currentText().trimmed().toUpper().toLatin1();
    if (request.method.isEmpty())
        request.method = "GET";
    QString path = m_path->text().trimmed();
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    QString query = m_query->text().trimmed();
    if (query.startsWith(u'?'))
        query.remove(0, 1);
    // Spaces and other characters a request line cannot carry are escaped; '%' escapes the
    // user typed stay as they are.
    request.setTarget(QUrl::toPercentEncoding(path, "/%!$&'()*+,;=:@-._~"),
                      QUrl::toPercentEncoding(query, "/?%!$&'()*+,;=:@-._~"));
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QTableWidgetItem *name = m_headers->item(row, 0);
        const QTableWidgetItem *value = m_headers->item(row, 1);
        if (!name || name->text().trimmed().isEmpty())
            continue;
        request.headers.append(
            {name->text().trimmed().toUtf8(), value ? value->text().toUtf8() : QByteArray()});
    }
    request.body = m_body->toPlainText().toUtf8();
    return request;
}

void InvokePanel::setHttpRequest(const QByteArray &method, const QByteArray &path,
                                 const QByteArray &query, const Http::HttpHeaders &headers,
                                 const QByteArray &body)
{
    m_method->setCurrentText(QString::fromLatin1(method));
    m_path->setText(QString::fromUtf8(path));
    m_query->setText(QString::fromUtf8(query));
    m_headers->setRowCount(0);
    for (const Http::HttpHeader &header : headers) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(header.first)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(header.second)));
    }
    m_body->setPlainText(QString::fromUtf8(body));
}

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
