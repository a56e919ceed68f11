// `image analyze`'s engine: what each layer adds, changes and deletes, the bytes wasted, the
// largest files and folders, and the history paired with the layers (CONTRACT §1.3).
#include <QTemporaryDir>
#include <QTest>

#include "ImageFixtures.h"
#include "image/ImageAnalysis.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"

using namespace Fcemu;
using namespace Fcemu::Test;

Q_DECLARE_METATYPE(Fcemu::Test::Format)

class TestImageAnalysis final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_counter = 0;

    Result<Image::ImageAnalysis> analyze(const ImageSpec &spec, Format format,
                                         const Image::AnalysisOptions &options = {})
    {
        const QString path = m_tmp.filePath(QString::number(++m_counter) + u"-image"_qs);
        writeImage(path, spec, format);
        auto source = Image::ImageSource::open(path, m_tmp.path(), 1LL << 30);
        if (!source)
            return std::unexpected(source.error());
        auto info = Image::readImage(**source);
        if (!info)
            return std::unexpected(info.error());
        return Image::analyzeImage(**source, *info, options);
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void threeLayers_data()
    {
        QTest::addColumn<Format>("format");
        QTest::addColumn<QString>("compression");
        QTest::newRow("oci-archive gzip") << Format::OciArchive << u"gzip"_qs;
        QTest::newRow("oci-layout zstd") << Format::OciDirectory << u"zstd"_qs;
        QTest::newRow("docker-archive") << Format::DockerArchive << u"gzip"_qs;
    }
    void threeLayers()
    {
        QFETCH(Format, format);
        QFETCH(QString, compression);
        ImageSpec spec = analysisSample();
        spec.compression = compression;
        auto result = analyze(spec, format);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        const Image::ImageAnalysis &a = *result;
        QCOMPARE(a.layers.size(), 3);

        const Image::LayerAnalysis &l1 = a.layers[0];
        QCOMPARE(l1.adds, 8); // app, app/main.js, app/config.json, data, 2 bins, etc, etc/hosts
        QCOMPARE(l1.changes, 0);
        QCOMPARE(l1.deletes, 0);
        QCOMPARE(l1.contentBytes, 8250);
        QCOMPARE(l1.addedBytes, 8250);
        // main.js (1000) rewritten by layer 2; config.json (200) whited out and data/a.bin,
        // b.bin (7000) dropped by the opaque data/ of layer 3.
        QCOMPARE(l1.wastedBytes, 8200);
        QCOMPARE(l1.largestFiles.first().path, u"data/b.bin"_qs);
        QCOMPARE(l1.largestFiles.first().size, 4000);
        QCOMPARE(l1.largestFolders.first().path, u"data"_qs);
        QCOMPARE(l1.largestFolders.first().size, 7000);

        const Image::LayerAnalysis &l2 = a.layers[1];
        QCOMPARE(l2.adds, 3); // app/new.js, tmp, tmp/cache.tgz (app/ is re-declared, not new)
        QCOMPARE(l2.changes, 1);
        QCOMPARE(l2.changedBytes, 1500);
        QCOMPARE(l2.deletes, 0);
        QCOMPARE(l2.contentBytes, 6800);
        QCOMPARE(l2.wastedBytes, 5000); // tmp/cache.tgz, whited out by layer 3

        const Image::LayerAnalysis &l3 = a.layers[2];
        QCOMPARE(l3.adds, 1); // data/c.bin survives its own layer's opaque marker
        QCOMPARE(l3.changes, 0);
        QCOMPARE(l3.deletes, 3); // two whiteouts and one opaque folder
        QCOMPARE(l3.opaqueFolders, 1);
        QCOMPARE(l3.wastedBytes, 0);

        for (qsizetype i = 0; i < 3; ++i) {
            QCOMPARE(a.layers[i].uncompressedSize, qint64(spec.layerTars[i].size()));
            QVERIFY(a.layers[i].compressedSize > 0);
            QCOMPARE(a.layers[i].compression,
                     format == Format::DockerArchive ? u"none"_qs : compression);
        }
        QCOMPARE(a.wastedBytes, 13200);
        QCOMPARE(a.contentBytes, 15650);
        QCOMPARE(a.finalBytes, 2450); // main.js 1500 + new.js 300 + hosts 50 + c.bin 600
        QCOMPARE(a.finalFiles, 4);
        QCOMPARE(a.contentBytes - a.wastedBytes, a.finalBytes);
        QVERIFY(qAbs(a.efficiencyPercent - 100.0 * 2450 / 15650) < 1e-9);
        QCOMPARE(a.uncompressedSize, qint64(spec.layerTars[0].size() + spec.layerTars[1].size() +
                                            spec.layerTars[2].size()));
        QCOMPARE(a.largestFiles.first().path, u"app/main.js"_qs);
        QCOMPARE(a.largestFiles.first().size, 1500);
        QCOMPARE(a.largestFolders.first().path, u"app"_qs);
        QCOMPARE(a.largestFolders.first().size, 1800);
        QCOMPARE(a.largestFiles.size(), 4);

        // The history without its empty_layer entries, in order.
        QCOMPARE(l1.createdBy, u"/bin/sh -c #(nop) ADD file:4b1a in / "_qs);
        QCOMPARE(l2.createdBy, u"/bin/sh -c npm ci   &&   npm cache clean"_qs);
        QCOMPARE(l2.created, u"2026-01-01T00:00:02Z"_qs);
        QCOMPARE(l3.createdBy, u"RUN /bin/sh -c rm -rf /tmp/cache.tgz # buildkit"_qs);
        QCOMPARE(l3.comment, u"buildkit.dockerfile.v0"_qs);
        QCOMPARE(Image::commandLine(l1.createdBy), u"ADD file:4b1a in /"_qs);
        QCOMPARE(Image::commandLine(l2.createdBy), u"RUN npm ci && npm cache clean"_qs);
        QCOMPARE(Image::commandLine(l3.createdBy), u"RUN rm -rf /tmp/cache.tgz"_qs);
    }

    void topLimitsTheLists()
    {
        Image::AnalysisOptions options;
        options.top = 1;
        auto result = analyze(analysisSample(), Format::OciArchive, options);
        QVERIFY(result);
        QCOMPARE(result->largestFiles.size(), 1);
        QCOMPARE(result->layers[0].largestFolders.size(), 1);
    }

    void historyShorterThanLayers()
    {
        const QList<Image::HistoryEntry> all = {{{}, u"a"_qs, {}, true}, {{}, u"b"_qs, {}, false}};
        const QList<Image::HistoryEntry> h = Image::historyOfLayers(all, 3);
        QCOMPARE(h.size(), 3);
        QCOMPARE(h[0].createdBy, u"b"_qs);
        QVERIFY(h[1].createdBy.isEmpty());
        QVERIFY(h[2].createdBy.isEmpty());
    }

    void typeChangeWastesTheSubtree()
    {
        // Layer 2 replaces the folder lib/ by a file: everything below it is dead.
        ImageSpec spec;
        spec.layerTars.append(TarBuilder()
                                  .dir("lib")
                                  .file("lib/a", QByteArray(100, 'a'))
                                  .file("lib/b", QByteArray(50, 'b'))
                                  .tar());
        spec.layerTars.append(TarBuilder().file("lib", QByteArray(10, 'l')).tar());
        auto result = analyze(spec, Format::OciArchive);
        QVERIFY(result);
        QCOMPARE(result->layers[1].changes, 1);
        QCOMPARE(result->layers[0].wastedBytes, 150);
        QCOMPARE(result->finalBytes, 10);
        QCOMPARE(result->finalFiles, 1);
    }

    void damagedLayerNamesTheMember()
    {
        ImageSpec spec;
        spec.compression = u"none"_qs;
        spec.layerTars.append(TarBuilder().file("a", QByteArray(4000, 'a')).truncatedAfter(1000));
        auto result = analyze(spec, Format::OciArchive);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::ImageRefused);
        QVERIFY2(result.error().message.contains(u"blobs/sha256/"_qs),
                 qPrintable(result.error().message));
    }

    void cancelStops()
    {
        std::atomic<bool> cancel{true};
        Image::AnalysisOptions options;
        options.cancel = &cancel;
        auto result = analyze(analysisSample(), Format::OciArchive, options);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestImageAnalysis)
#include "TestImageAnalysis.moc"
