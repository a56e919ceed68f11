#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include <QList>
#include <QWidget>

#include "config/FunctionConfig.h"
#include "image/ImageAnalysis.h"

class QLabel;
class QProgressBar;
class QThread;
class QTreeWidget;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

// The Image panel (`fcemu image analyze` in the window): the loaded function's image layer by
// layer — size, what each layer adds, changes and deletes, the bytes a later layer wastes and
// the command that made it (full text in the tooltip) — the largest files and folders of the
// selected layer (or of the final root, the last row), and a summary line with FC's size limit
// for the function's instance type and registry edition. The analysis runs on a thread of its
// own; a newer image cancels the older analysis, and the panel follows every function loaded.
class ImageInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageInspector)

public:
    // Columns of layersTable().
    enum Column {
        IndexColumn,
        SizeColumn,
        AddsColumn,
        ChangesColumn,
        DeletesColumn,
        WastedColumn,
        CreatedByColumn,
        ColumnCount
    };

    explicit ImageInspector(Session::FunctionSession *session, QWidget *parent = nullptr);
    ~ImageInspector() override;

    // Analyses `imagePath` (an image file or OCI layout folder) off the GUI thread and checks it
    // against `limit`. Returns at once; analysisFinished() follows.
    void analyze(const QString &imagePath, const Config::ImageSizeLimit &limit);
    // A new limit for the image shown (the function's settings changed): no new analysis.
    void setSizeLimit(const Config::ImageSizeLimit &limit);
    // Back to the empty state (no function loaded).
    void clear();

    bool isAnalyzing() const { return m_running != nullptr; }
    bool isShowingAnalysis() const { return m_analysis.has_value(); }
    const std::optional<Image::ImageAnalysis> &analysis() const { return m_analysis; }
    QString imagePath() const { return m_path; }
    QString summaryText() const;
    QString emptyText() const;
    QTreeWidget *layersTable() const { return m_layers; }
    QTreeWidget *filesTree() const { return m_files; }
    // Shows the largest files and folders of layer `index` (0-based), or of the final root for
    // index == layer count.
    void selectLayer(int index);

signals:
    void analysisFinished(bool ok);

private:
    void followSession();
    void finished(quint64 generation, const Result<Image::ImageAnalysis> &result);
    void showAnalysis();
    void showFiles();
    void updateSummary();
    void showEmpty(const QString &text);
    void showPage(bool analysis);

    Session::FunctionSession *m_session;
    QWidget *m_page;
    QLabel *m_empty;
    QLabel *m_summary;
    QProgressBar *m_progress;
    QTreeWidget *m_layers;
    QTreeWidget *m_files;

    struct Job
    {
        std::atomic<bool> cancel{false};
    };
    std::shared_ptr<Job> m_running; // the analysis whose result is wanted
    QList<std::pair<QThread *, std::shared_ptr<Job>>> m_threads; // waited for on destruction
    quint64 m_generation = 0;
    QString m_path;
    Config::ImageSizeLimit m_limit{0, {}};
    std::optional<Image::ImageAnalysis> m_analysis;
};

} // namespace Fcemu::Ui
