#include "ImageInspector.h"

#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QSplitter>
#include <QThread>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "common/Format.h"
#include "common/Units.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"
#include "registry/Reference.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

QString bytes(qint64 n)
{
    return formatBytes(quint64(std::max<qint64>(n, 0)));
}

QString noImageText()
{
    return QObject::tr("No image loaded.\n\nOpen one (File ▸ Open Image…, Ctrl+O) or the sample\n"
                       "function to see its layers here: what each adds, changes and\n"
                       "deletes, the space wasted and FC's size limit.");
}

// Opens and analyses an image; runs on the analysis thread.
Result<Image::ImageAnalysis> analyzeFile(const QString &path, const Image::AnalysisOptions &options)
{
    const QString tmp = Image::ImageCache().directory() + u"/tmp"_qs;
    QDir().mkpath(tmp);
    auto source = Image::ImageSource::open(path, tmp, options.maxUncompressedBytes);
    if (!source)
        return std::unexpected(source.error());
    auto info = Image::readImage(**source);
    if (!info)
        return std::unexpected(info.error());
    return Image::analyzeImage(**source, *info, options);
}

// "1 file", "4 files" (tr's %n needs a translation to get the plural right).
QString count(qint64 n, const QString &one, const QString &many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}

} // namespace

ImageInspector::ImageInspector(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Two pages, one shown (not a QStackedWidget: its height-for-width is the larger page's
    // preferred height, which made the dock scroll at 1280x720).
    m_empty = new QLabel(noImageText(), this);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setMargin(12);
    m_empty->setObjectName(u"imageEmpty"_qs);
    // The stack is as large as its largest page: the empty text must not make the analysis
    // page scroll (it fits the dock on its own, test_layouts checks it).
    m_empty->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    layout->addWidget(m_empty);

    auto *page = new QWidget(this);
    m_page = page;
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(4, 4, 4, 4);
    pageLayout->setSpacing(4);
    m_summary = new QLabel(page);
    m_summary->setWordWrap(true);
    m_summary->setMinimumWidth(100);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setObjectName(u"imageSummary"_qs);
    m_progress = new QProgressBar(page);
    m_progress->setMaximumHeight(m_progress->sizeHint().height());
    m_progress->setFormat(tr("Analysing layers… %p%"));
    m_progress->hide();
    pageLayout->addWidget(m_summary);
    pageLayout->addWidget(m_progress);

    auto *split = new QSplitter(Qt::Horizontal, page);
    m_layers = new QTreeWidget(split);
    m_layers->setObjectName(u"imageLayers"_qs);
    m_layers->setRootIsDecorated(false);
    m_layers->setUniformRowHeights(true);
    m_layers->setAlternatingRowColors(true);
    m_layers->setHeaderLabels({tr("#"), tr("Size"), tr("Adds"), tr("Changes"), tr("Deletes"),
                               tr("Wasted"), tr("Created by")});
    m_layers->headerItem()->setToolTip(SizeColumn, tr("Uncompressed (the tooltip: compressed)"));
    m_layers->headerItem()->setToolTip(
        ChangesColumn, tr("Paths an earlier layer has, written again (a new version)"));
    m_layers->headerItem()->setToolTip(DeletesColumn, tr("Whiteouts and opaque folders"));
    m_layers->headerItem()->setToolTip(
        WastedColumn, tr("This layer's bytes that a later layer overwrites or deletes"));
    m_layers->header()->setStretchLastSection(true);
    m_layers->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->header()->setSectionResizeMode(CreatedByColumn, QHeaderView::Interactive);
    m_layers->setTextElideMode(Qt::ElideRight);
    m_files = new QTreeWidget(split);
    m_files->setObjectName(u"imageFiles"_qs);
    m_files->setHeaderLabels({tr("Largest"), tr("Size")});
    m_files->setUniformRowHeights(true);
    m_files->header()->setStretchLastSection(false);
    m_files->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_files->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    // Under the request list at 1280x720 the dock is ~140 px tall and ~600 px wide: the trees
    // scroll inside that rather than asking for more.
    m_layers->setMinimumSize(160, 48);
    m_files->setMinimumSize(120, 48);
    split->addWidget(m_layers);
    split->addWidget(m_files);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);
    pageLayout->addWidget(split, 1);
    layout->addWidget(page, 1);
    page->hide();
    connect(m_layers, &QTreeWidget::currentItemChanged, this, [this]() { showFiles(); });

    if (m_session) {
        connect(m_session, &Session::FunctionSession::loaded, this, &ImageInspector::followSession);
        if (m_session->isLoaded())
            followSession();
    }
}

ImageInspector::~ImageInspector()
{
    // The threads post to this panel: they end before it does.
    for (const auto &[thread, job] : std::as_const(m_threads)) {
        job->cancel = true;
        thread->wait();
        delete thread;
    }
}

void ImageInspector::followSession()
{
    QString path = m_session->imagePath();
    // A registry image is opened from the layout folder its pull left in the cache.
    if (Registry::looksLikeReference(path)) {
        const auto image = m_session->image();
        if (!image || !image->info.manifestDigest.isValid()) {
            showEmpty(tr("The layers of %1 are not in the local cache.").arg(path));
            return;
        }
        path = Image::ImageCache().directory() + u"/registry/"_qs + image->info.manifestDigest.hex;
    }
    const Config::ImageSizeLimit limit = Config::imageSizeLimit(m_session->config());
    if (path == m_path && (m_analysis || m_running)) {
        setSizeLimit(limit); // the same image reloaded with other settings
        return;
    }
    analyze(path, limit);
}

void ImageInspector::analyze(const QString &imagePath, const Config::ImageSizeLimit &limit)
{
    if (m_running)
        m_running->cancel = true;
    auto job = std::make_shared<Job>();
    m_running = job;
    const quint64 generation = ++m_generation;
    m_path = imagePath;
    m_limit = limit;
    m_analysis.reset();
    m_layers->clear();
    m_files->clear();
    m_summary->setText(tr("Analysing %1…").arg(QFileInfo(imagePath).fileName()));
    m_progress->setRange(0, 0);
    m_progress->show();
    showPage(true);

    Image::AnalysisOptions options;
    options.top = 20;
    // An image over FC's limit is still analysed; a gzip bomb stops at four times the limit.
    options.maxUncompressedBytes = std::max<qint64>(limit.bytes, 1LL << 30) * 4;
    options.cancel = &job->cancel;
    QThread *thread = QThread::create([this, job, imagePath, options, generation]() mutable {
        options.progress = [this, generation](qint64 done, qint64 total) {
            QMetaObject::invokeMethod(
                this,
                [this, generation, done, total]() {
                    if (generation != m_generation || total <= 0)
                        return;
                    m_progress->setRange(0, 1000);
                    m_progress->setValue(int(done * 1000 / total));
                },
                Qt::QueuedConnection);
        };
        auto result = analyzeFile(imagePath, options);
        QMetaObject::invokeMethod(
            this, [this, generation, result]() { finished(generation, result); },
            Qt::QueuedConnection);
    });
    m_threads.append({thread, job});
    connect(thread, &QThread::finished, this, [this, thread]() {
        for (qsizetype i = 0; i < m_threads.size(); ++i)
            if (m_threads[i].first == thread) {
                m_threads.removeAt(i);
                break;
            }
        thread->deleteLater();
    });
    thread->start(QThread::LowPriority);
}

void ImageInspector::finished(quint64 generation, const Result<Image::ImageAnalysis> &result)
{
    if (generation != m_generation)
        return; // an older image's analysis, cancelled or overtaken
    m_running.reset();
    m_progress->hide();
    if (!result) {
        m_summary->setText(tr("Could not analyse the image: %1").arg(result.error().message));
        m_summary->setStyleSheet(
            u"color: %1"_qs.arg(errorTextColor(palette()).name(QColor::HexRgb)));
        emit analysisFinished(false);
        return;
    }
    m_analysis = *result;
    showAnalysis();
    emit analysisFinished(true);
}

void ImageInspector::setSizeLimit(const Config::ImageSizeLimit &limit)
{
    m_limit = limit;
    if (m_analysis)
        updateSummary();
}

void ImageInspector::clear()
{
    if (m_running)
        m_running->cancel = true;
    m_running.reset();
    ++m_generation;
    m_path.clear();
    m_analysis.reset();
    showEmpty(noImageText());
}

void ImageInspector::showEmpty(const QString &text)
{
    m_layers->clear();
    m_files->clear();
    m_empty->setText(text);
    showPage(false);
}

void ImageInspector::showPage(bool analysis)
{
    m_empty->setVisible(!analysis);
    m_page->setVisible(analysis);
}

QString ImageInspector::summaryText() const
{
    return m_summary->text();
}

QString ImageInspector::emptyText() const
{
    return m_page->isHidden() ? m_empty->text() : QString();
}

void ImageInspector::showAnalysis()
{
    const Image::ImageAnalysis &a = *m_analysis;
    m_layers->clear();
    const auto right = [](QTreeWidgetItem *item) {
        for (int c = IndexColumn; c < CreatedByColumn; ++c)
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    };
    for (qsizetype i = 0; i < a.layers.size(); ++i) {
        const Image::LayerAnalysis &l = a.layers[i];
        auto *item = new QTreeWidgetItem(m_layers);
        item->setText(IndexColumn, QString::number(i + 1));
        item->setText(SizeColumn, bytes(l.uncompressedSize));
        item->setToolTip(SizeColumn, tr("%1 uncompressed, %2 compressed (%3)")
                                         .arg(bytes(l.uncompressedSize), bytes(l.compressedSize),
                                              l.compression));
        item->setText(AddsColumn, QString::number(l.adds));
        item->setToolTip(AddsColumn,
                         tr("%1 new, %2 of files")
                             .arg(count(l.adds, tr("path"), tr("paths")), bytes(l.addedBytes)));
        item->setText(ChangesColumn, QString::number(l.changes));
        item->setToolTip(ChangesColumn, tr("%1 rewritten, %2 of files")
                                            .arg(count(l.changes, tr("path"), tr("paths")),
                                                 bytes(l.changedBytes)));
        item->setText(DeletesColumn, QString::number(l.deletes));
        item->setToolTip(DeletesColumn, tr("%1 (whiteouts and opaque folders), %2 opaque")
                                            .arg(count(l.deletes, tr("delete"), tr("deletes")))
                                            .arg(l.opaqueFolders));
        item->setText(WastedColumn, l.wastedBytes > 0 ? bytes(l.wastedBytes) : u"–"_qs);
        const QString command = Image::commandLine(l.createdBy);
        item->setText(CreatedByColumn, command.isEmpty() ? tr("(no history)") : command);
        item->setToolTip(CreatedByColumn,
                         l.createdBy.isEmpty()
                             ? tr("The image config has no history entry for this layer.")
                             : l.createdBy +
                                   (l.created.isEmpty() ? QString() : u"\n\n"_qs + l.created));
        right(item);
    }
    auto *root = new QTreeWidgetItem(m_layers);
    root->setText(IndexColumn, u"Σ"_qs);
    root->setToolTip(IndexColumn, tr("All layers; the lists show the final root"));
    root->setText(SizeColumn, bytes(a.uncompressedSize));
    root->setToolTip(SizeColumn, tr("%1 uncompressed, %2 compressed")
                                     .arg(bytes(a.uncompressedSize), bytes(a.compressedSize)));
    int adds = 0, changes = 0, deletes = 0;
    for (const Image::LayerAnalysis &l : a.layers) {
        adds += l.adds;
        changes += l.changes;
        deletes += l.deletes;
    }
    root->setText(AddsColumn, QString::number(adds));
    root->setText(ChangesColumn, QString::number(changes));
    root->setText(DeletesColumn, QString::number(deletes));
    root->setText(WastedColumn, a.wastedBytes > 0 ? bytes(a.wastedBytes) : u"–"_qs);
    root->setText(CreatedByColumn,
                  tr("final root: %1, %2")
                      .arg(count(a.finalFiles, tr("file"), tr("files")), bytes(a.finalBytes)));
    QFont bold = root->font(0);
    bold.setBold(true);
    for (int c = 0; c < ColumnCount; ++c)
        root->setFont(c, bold);
    right(root);
    m_layers->header()->resizeSections(QHeaderView::ResizeToContents);
    updateSummary();
    showPage(true);
    // The largest layer first: that is where space goes.
    int largest = 0;
    for (qsizetype i = 1; i < a.layers.size(); ++i)
        if (a.layers[i].uncompressedSize > a.layers[largest].uncompressedSize)
            largest = int(i);
    selectLayer(a.layers.isEmpty() ? 0 : largest);
}

void ImageInspector::selectLayer(int index)
{
    if (QTreeWidgetItem *item = m_layers->topLevelItem(index))
        m_layers->setCurrentItem(item);
}

void ImageInspector::showFiles()
{
    m_files->clear();
    if (!m_analysis)
        return;
    const Image::ImageAnalysis &a = *m_analysis;
    const int index = m_layers->indexOfTopLevelItem(m_layers->currentItem());
    if (index < 0)
        return;
    const bool root = index >= a.layers.size();
    const QList<Image::SizedPath> &files = root ? a.largestFiles : a.layers[index].largestFiles;
    const QList<Image::SizedPath> &folders =
        root ? a.largestFolders : a.layers[index].largestFolders;
    const QString of = root ? tr("the final root") : tr("layer %1").arg(index + 1);
    for (const auto &[title, list] : {std::pair{tr("Files of %1").arg(of), &files},
                                      std::pair{tr("Folders of %1").arg(of), &folders}}) {
        auto *group = new QTreeWidgetItem(m_files, {title});
        QFont bold = group->font(0);
        bold.setBold(true);
        group->setFont(0, bold);
        group->setFirstColumnSpanned(true);
        if (list->isEmpty())
            new QTreeWidgetItem(group, {tr("(none)")});
        for (const Image::SizedPath &p : *list) {
            auto *item = new QTreeWidgetItem(group, {u'/' + p.path, bytes(p.size)});
            item->setToolTip(0, u'/' + p.path);
            item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        }
        group->setExpanded(true);
    }
}

void ImageInspector::updateSummary()
{
    const Image::ImageAnalysis &a = *m_analysis;
    const bool within = a.uncompressedSize <= m_limit.bytes;
    const QString verdict = m_limit.bytes <= 0 ? QString()
                                               : (within ? tr("✓ within FC's %1 limit (%2)")
                                                         : tr("✗ exceeds FC's %1 limit (%2)"))
                                                     .arg(bytes(m_limit.bytes), m_limit.reason);
    m_summary->setText(tr("%1 · %2 (%3 compressed) · wasted %4 · efficiency %5 %")
                           .arg(count(a.layers.size(), tr("layer"), tr("layers")),
                                bytes(a.uncompressedSize), bytes(a.compressedSize),
                                bytes(a.wastedBytes),
                                QString::number(a.efficiencyPercent, 'f', 1)) +
                       (verdict.isEmpty() ? QString() : u" · "_qs + verdict));
    m_summary->setStyleSheet(
        within ? QString() : u"color: %1"_qs.arg(errorTextColor(palette()).name(QColor::HexRgb)));
}

} // namespace Fcemu::Ui
