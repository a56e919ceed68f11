// The Image panel: the empty state, the layers table of a three-layer image, the largest files
// of the selected layer, the limit verdict, and an analysis that never blocks the window.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QLayout>
#include <QTreeWidget>

#include "ImageFixtures.h"
#include "config/FcLimits.h"
#include "inspectors/image/ImageInspector.h"

using namespace Fcemu;
using namespace Fcemu::Test;
using Ui::ImageInspector;

class TestImageInspector final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_image;

    static Config::ImageSizeLimit fcLimit()
    {
        return Config::imageSizeLimit(Config::InstanceType::Elastic,
                                      Config::RegistryEdition::Personal);
    }

    static QStringList texts(const QTreeWidgetItem *item)
    {
        QStringList out;
        for (int c = 0; c < item->columnCount(); ++c)
            out << item->text(c);
        return out;
    }

    bool analyzed(ImageInspector &panel, const QString &path, const Config::ImageSizeLimit &limit)
    {
        QSignalSpy done(&panel, &ImageInspector::analysisFinished);
        panel.analyze(path, limit);
        return done.wait(30000) && done.first().first().toBool();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        qputenv("FCEMU_CACHE_DIR", m_tmp.filePath(u"cache"_qs).toUtf8());
        m_image = m_tmp.filePath(u"three.tar"_qs);
        writeImage(m_image, analysisSample(), Format::OciArchive);
    }

    void emptyStateSaysWhatToDo()
    {
        ImageInspector panel(nullptr);
        panel.resize(600, 300);
        panel.show();
        QVERIFY(panel.emptyText().contains(u"Open Image"_qs));
        QVERIFY(!panel.isShowingAnalysis());
    }

    void layersTable()
    {
        ImageInspector panel(nullptr);
        panel.resize(900, 320);
        panel.show();
        QVERIFY(analyzed(panel, m_image, fcLimit()));
        // Fits under the request list at 1280x720 (the dock is ~140 px tall) without scrolling.
        QVERIFY(panel.layout()->totalMinimumHeightForWidth(600) < 140);
        QVERIFY(panel.emptyText().isEmpty());
        QTreeWidget *layers = panel.layersTable();
        QCOMPARE(layers->topLevelItemCount(), 4); // three layers and the final root
        const QStringList l2 = texts(layers->topLevelItem(1));
        QCOMPARE(l2[ImageInspector::AddsColumn], u"3"_qs);
        QCOMPARE(l2[ImageInspector::ChangesColumn], u"1"_qs);
        QCOMPARE(l2[ImageInspector::DeletesColumn], u"0"_qs);
        QCOMPARE(l2[ImageInspector::WastedColumn], u"4.88 KiB"_qs); // 5000 bytes
        QCOMPARE(l2[ImageInspector::CreatedByColumn], u"RUN npm ci && npm cache clean"_qs);
        // The full history text in the tooltip.
        QVERIFY(layers->topLevelItem(1)
                    ->toolTip(ImageInspector::CreatedByColumn)
                    .startsWith(u"/bin/sh -c npm ci   &&   npm cache clean"_qs));
        const QStringList l3 = texts(layers->topLevelItem(2));
        QCOMPARE(l3[ImageInspector::DeletesColumn], u"3"_qs);
        QCOMPARE(l3[ImageInspector::WastedColumn], u"–"_qs);
        QVERIFY(texts(layers->topLevelItem(3))[ImageInspector::CreatedByColumn].contains(
            u"final root: 4 files"_qs));

        // The largest layer is selected first: layer 1 (8,250 bytes of files).
        QCOMPARE(layers->indexOfTopLevelItem(layers->currentItem()), 0);
        QTreeWidget *files = panel.filesTree();
        QCOMPARE(files->topLevelItemCount(), 2);
        QCOMPARE(files->topLevelItem(0)->text(0), u"Files of layer 1"_qs);
        QCOMPARE(files->topLevelItem(0)->child(0)->text(0), u"/data/b.bin"_qs);
        QCOMPARE(files->topLevelItem(1)->child(0)->text(0), u"/data"_qs);
        // The final root's row lists what is left.
        panel.selectLayer(3);
        QCOMPARE(files->topLevelItem(0)->text(0), u"Files of the final root"_qs);
        QCOMPARE(files->topLevelItem(0)->child(0)->text(0), u"/app/main.js"_qs);
        QCOMPARE(files->topLevelItem(0)->child(0)->text(1), u"1.46 KiB"_qs);

        QVERIFY2(panel.summaryText().contains(u"3 layers"_qs), qPrintable(panel.summaryText()));
        QVERIFY(panel.summaryText().contains(u"efficiency 15.7 %"_qs));
        QVERIFY(panel.summaryText().contains(u"within FC's 3.00 GiB limit"_qs));
    }

    void limitVerdictFollowsSettings()
    {
        ImageInspector panel(nullptr);
        QVERIFY(analyzed(panel, m_image, fcLimit()));
        panel.setSizeLimit({1024, u"a test limit"_qs});
        QVERIFY2(panel.summaryText().contains(u"exceeds FC's 1.00 KiB limit (a test limit)"_qs),
                 qPrintable(panel.summaryText()));
        QVERIFY(!panel.isAnalyzing()); // no new analysis for a new limit
    }

    void badImageSaysWhy()
    {
        ImageInspector panel(nullptr);
        QVERIFY(!analyzed(panel, m_tmp.filePath(u"missing.tar"_qs), fcLimit()));
        QVERIFY2(panel.summaryText().startsWith(u"Could not analyse the image"_qs),
                 qPrintable(panel.summaryText()));
        QVERIFY(panel.summaryText().contains(u"missing.tar"_qs));
    }

    // analyze() returns at once; a newer image overtakes an older one, whose result is dropped.
    void runsOffTheGuiThread()
    {
        ImageSpec big;
        for (int i = 0; i < 4; ++i) {
            TarBuilder tar;
            for (int f = 0; f < 40; ++f)
                tar.file("f" + QByteArray::number(i) + "-" + QByteArray::number(f),
                         QByteArray(1 << 20, char('a' + f % 26)));
            big.layerTars.append(tar.tar());
        }
        const QString bigImage = m_tmp.filePath(u"big.tar"_qs);
        writeImage(bigImage, big, Format::OciArchive);

        ImageInspector panel(nullptr);
        QSignalSpy done(&panel, &ImageInspector::analysisFinished);
        QElapsedTimer timer;
        timer.start();
        panel.analyze(bigImage, fcLimit());
        QVERIFY(panel.isAnalyzing());
        panel.analyze(m_image, fcLimit());
        QVERIFY(timer.elapsed() < 500); // a 160 MiB image takes longer than this to read
        QVERIFY(done.wait(30000));
        QCOMPARE(done.size(), 1);
        QVERIFY(done.first().first().toBool());
        QCOMPARE(panel.imagePath(), m_image);
        QCOMPARE(panel.layersTable()->topLevelItemCount(), 4);
        QTest::qWait(200); // the overtaken analysis reports nothing
        QCOMPARE(done.size(), 1);

        panel.clear();
        QVERIFY(!panel.emptyText().isEmpty());
        QVERIFY(!panel.isShowingAnalysis());
    }
};

QTEST_MAIN(TestImageInspector)
#include "TestImageInspector.moc"
