#pragma once

#include <memory>
#include <optional>

#include <QElapsedTimer>
#include <QMainWindow>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "runtime/FunctionImage.h"
#include "telemetry/InvocationRecord.h"

class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QTimer;
class QToolButton;

namespace Fcemu::Runtime {
class ImagePreparation;
}
namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class BillingInspector;
class FunctionSettingsForm;
class HeadersInspector;
class ImageInspector;
class InstancesInspector;
class InvokePanel;
class LogsInspector;
class MessageBanner;
class RequestListView;
class TimingInspector;

// The function workbench (CONTRACT §9): the request list in the middle, the invoke panel and the
// function's settings on the left, the inspectors (Headers, Timing, Billing) on the right, Logs,
// Instances and Image below. It owns the session the panels share and hands it to them through
// their constructors; it only wires selection, menus, opening images and the status bar. The code
// is in five files: MainWindow.cpp (docks, selection, Clear), MainWindowMenus.cpp (menus, status
// bar, title), MainWindowImages.cpp (opening images, settings, import and export),
// MainWindowFunctions.cpp (the picker of an imported file's functions) and MainWindowLayout.cpp
// (dock sizes, zoom).
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Reads, verifies and unpacks an image off the GUI thread (progress and Cancel in the
    // status bar), then loads it with its saved settings (or `config`). Refusals show in the
    // banner in plain words. Returns at once; loaded() or openFailed() follows.
    void openImage(const QString &path, std::optional<Config::FunctionConfig> config = {});
    // The built-in sample web function (embedded in the application).
    void openSample();
    void cancelOpen();
    // Applies an s.yaml / template.yml / function JSON to the loaded function (or to the next
    // image opened). Several functions in the file: `functionName` picks one (empty: the first).
    Status importConfig(const QString &path, const QString &functionName = {});
    // The functions of the imported config file, in file order, and the one the panels show
    // (MainWindowFunctions.cpp). A file with several functions shows a picker above the request
    // list; choosing another function loads it as importConfig() would, with the image the file
    // names for it when it names one, and starts a fresh request list (every panel follows it).
    QStringList configFunctions() const;
    QString currentConfigFunction() const;
    void selectConfigFunction(const QString &name);
    // Writes the session's invocations as HAR 1.2.
    Status exportHar(const QString &path, bool includeSecrets = false);

    Session::FunctionSession *session() const { return m_session; }
    RequestListView *requestList() const { return m_requests; }
    HeadersInspector *headersInspector() const { return m_headers; }
    TimingInspector *timingInspector() const { return m_timing; }
    BillingInspector *billingInspector() const { return m_billing; }
    LogsInspector *logsInspector() const { return m_logs; }
    InstancesInspector *instancesInspector() const { return m_instances; }
    ImageInspector *imageInspector() const { return m_image; }
    InvokePanel *invokePanel() const { return m_invoke; }
    FunctionSettingsForm *settingsForm() const { return m_settings; }
    QString bannerText() const;

    // Removes every request, log line and response shown; the loaded function keeps running.
    // Opening a different image does the same, so no panel compares across two functions.
    void clearSession();
    // View ▸ Zoom: the window's type in steps of 10 % (for a projector), 50 % to 300 %.
    void zoomIn();
    void zoomOut();
    void resetZoom();
    int zoomPercent() const { return m_zoomPercent; }
    // The dock sizes for a window of this size: the request list keeps the most room.
    // Below kCompactWidth every panel is a tab in one column beside the request list.
    void applyDefaultDockSizes(const QSize &windowSize);
    static constexpr int kCompactWidth = 1000;
    bool isCompactLayout() const { return m_compact; }

    // Where the embedded sample is written out so the image reader can open it.
    static QString sampleImagePath();
    // The key a function's settings are saved under: the image's absolute path.
    static QString imageKey(const QString &path);

signals:
    void loaded(const QString &imagePath);
    void openFailed(const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createDocks();
    void arrangeDocks(bool compact);
    void createMenus();
    void createStatusBar();
    QDockWidget *addPanel(QWidget *panel, const QString &title, const QString &objectName);
    void showRecord(const Telemetry::InvocationRecord *record);
    void currentRecordChanged(const Telemetry::InvocationRecord *record);
    void preparationDone(std::shared_ptr<Runtime::PreparedImage> image);
    void preparationFailed(const QString &message);
    void applySettings(const Config::FunctionConfig &config);
    void addRecent(const QString &path);
    void updateRecentMenu();
    void updateStatus();
    void updateTitle();
    void chooseImage();
    void chooseRegistryImage();
    void chooseConfig();
    void chooseHarFile();
    void copyEndpoint();
    void setZoomPercent(int percent);
    QWidget *createFunctionPicker();
    void updateFunctionPicker(const QString &path, const QString &current);

    Session::FunctionSession *m_session;
    std::unique_ptr<Runtime::ImagePreparation> m_preparation;
    QString m_openingPath;
    Config::FunctionConfig m_openingConfig;
    std::optional<Config::FunctionConfig> m_importedConfig; // waits for the next image
    QString m_configPath;             // the imported file with several functions
    QWidget *m_functionBar = nullptr; // "Function: [picker]", shown for such a file
    QComboBox *m_functionPicker = nullptr;

    MessageBanner *m_banner = nullptr;
    RequestListView *m_requests = nullptr;
    HeadersInspector *m_headers = nullptr;
    TimingInspector *m_timing = nullptr;
    BillingInspector *m_billing = nullptr;
    LogsInspector *m_logs = nullptr;
    InstancesInspector *m_instances = nullptr;
    ImageInspector *m_image = nullptr;
    InvokePanel *m_invoke = nullptr;
    FunctionSettingsForm *m_settings = nullptr;
    QList<QDockWidget *> m_docks;
    QString m_loadedKey; // imageKey() of the image whose records the list shows
    // Following the newest request under load, the inspectors redraw at most once per
    // kInspectorIntervalMs (the last record wins): see currentRecordChanged().
    QTimer *m_showTimer = nullptr;
    QElapsedTimer m_lastShown;
    int m_zoomPercent = 100;
    qreal m_basePointSize = 0;
    bool m_restoredState = false;
    bool m_compact = false;
    bool m_shown = false;

    QMenu *m_recentMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QToolButton *m_endpointButton = nullptr;
    QLabel *m_instancesLabel = nullptr;
    QLabel *m_imageLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_cancelButton = nullptr;
};

} // namespace Fcemu::Ui
