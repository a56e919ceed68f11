#pragma once

#include <QSet>
#include <QWidget>

#include "http/HttpMessage.h"
#include "telemetry/InvocationRecord.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QToolButton;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class JsonHighlighter;
class ResponseView;

// Sends requests to the loaded function and shows the latest answer. "Event" edits an event
// (any bytes; JSON is coloured and checked as you type) with FC's sample events and events
// saved per function; "HTTP" composes a request for web-server mode. Send (Ctrl+Enter) sends
// one; Send ×N sends N with at most C in flight, to watch the pool scale out. The response
// area follows the latest request sent from this panel.
// InvokePanel.cpp builds the panel and sends; InvokePanelEditors.cpp has the event page and
// the HTTP composer; InvokePanelBatch.cpp runs Send ×N.
class InvokePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvokePanel)

public:
    enum class Mode { Event, Http };

    explicit InvokePanel(Session::FunctionSession *session, QWidget *parent = nullptr);
    ~InvokePanel() override;

    // Sends the current tab's request once; returns its id, or "" when nothing is loaded.
    QString send();
    // Sends `count` copies of the current tab's request with at most `concurrency` in flight.
    void sendMany(int count, int concurrency);
    void stopBatch();
    bool isBatchRunning() const { return m_batch.running; }
    int batchDone() const { return m_batch.finished; }
    int batchInFlight() const { return int(m_batch.inFlight.size()); }
    QString progressText() const;

    void setMode(Mode mode);
    Mode mode() const;
    bool isHttpAvailable() const;

    void showResponse(const Telemetry::InvocationRecord &record);
    ResponseView *responseView() const { return m_response; }

    // The event editor and what its check says ("Valid JSON.", "Not JSON (line 2, ...").
    QPlainTextEdit *eventEditor() const { return m_event; }
    QString eventProblem() const;
    JsonHighlighter *eventHighlighter() const { return m_eventHighlighter; }

    // FC's event shapes from resources/events/ ("Timer trigger", "OSS trigger", ...).
    static QStringList sampleNames();
    static QByteArray sampleEvent(const QString &name);
    void loadSample(const QString &name);

    // Events saved under a name for the loaded function (QSettings, per function name).
    QStringList savedEventNames() const;
    void saveEvent(const QString &name);
    bool loadSavedEvent(const QString &name);
    void deleteSavedEvent(const QString &name);

    // The HTTP composer's request as it would be sent.
    Http::HttpRequest httpRequest() const;
    void setHttpRequest(const QByteArray &method, const QByteArray &path, const QByteArray &query,
                        const Http::HttpHeaders &headers = {}, const QByteArray &body = {});

signals:
    void requestSent(const QString &requestId);

protected:
    void changeEvent(QEvent *event) override;

private:
    QWidget *buildEventPage();
    QWidget *buildHttpPage();
    QString submit(Mode mode, const QByteArray &event, const Http::HttpRequest &request);
    void onFinished(const Telemetry::InvocationRecord &record);
    void updateAvailability();
    void updateEventCheck();
    void updateProgress();
    void rebuildSavedMenu();
    QString savedEventsKey() const;
    QVariantMap savedEvents() const;
    void askSaveEvent();

    // Cleared when the session is destroyed: the main window owns both and may delete it first.
    Session::FunctionSession *m_session = nullptr;

    QLabel *m_modeNote = nullptr;
    QTabWidget *m_tabs = nullptr;
    QPlainTextEdit *m_event = nullptr;
    JsonHighlighter *m_eventHighlighter = nullptr;
    QLabel *m_eventCheck = nullptr;
    QMenu *m_savedMenu = nullptr;
    QToolButton *m_savedButton = nullptr;

    QComboBox *m_method = nullptr;
    QLineEdit *m_path = nullptr;
    QLineEdit *m_query = nullptr;
    QTableWidget *m_headers = nullptr;
    QPlainTextEdit *m_body = nullptr;
    JsonHighlighter *m_bodyHighlighter = nullptr;
    QLabel *m_httpUrl = nullptr;

    QPushButton *m_send = nullptr;
    QPushButton *m_sendMany = nullptr;
    QSpinBox *m_count = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QLabel *m_progress = nullptr;
    ResponseView *m_response = nullptr;

    QString m_latestId;

    struct Batch
    {
        bool running = false;
        Mode mode = Mode::Event;
        QByteArray event;
        Http::HttpRequest request;
        int total = 0;
        int concurrency = 1;
        int submitted = 0;
        int finished = 0;
        int failed = 0;
        QSet<QString> inFlight;
        qint64 startedMs = 0;
        qint64 elapsedMs = 0;
        QString stopReason;
    };
    Batch m_batch;
};

} // namespace Fcemu::Ui
