// fcemu-gui [IMAGE] [--config FILE] [--screenshots DIR]
//
// Opens IMAGE (by default the embedded sample web function, ready to invoke). --screenshots
// drives the window through a short session (a cold call, warm calls, an HTTP call) and saves
// pictures of it in light and dark palettes, then quits: README's screenshots come from it.
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSettings>

#include "ScreenshotTour.h"
#include "window/MainWindow.h"
#include "window/Theme.h"

namespace {

void addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(
        u"Runs Function Compute custom-container images locally and shows what FC would do."_qs);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(u"IMAGE"_qs,
                                 u"image to open (default: the built-in sample web function)"_qs);
    parser.addOption(
        {u"config"_qs, u"s.yaml, template.yml or function JSON to apply"_qs, u"FILE"_qs});
    parser.addOption(
        {u"screenshots"_qs, u"save screenshots of a short session and quit"_qs, u"DIR"_qs});
}

} // namespace

int main(int argc, char *argv[])
{
    // The arguments are read before there is a display: --help, --version and a bad option
    // answer on a terminal without one (a QApplication would abort there).
    {
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(u"fcemu-gui"_qs);
        QCoreApplication::setApplicationVersion(QStringLiteral(FCEMU_VERSION));
        QCommandLineParser parser;
        addOptions(parser);
        parser.process(core); // prints and exits for --help, --version and errors
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(u"fcemu"_qs);
    QApplication::setOrganizationName(u"fcemu"_qs);
    QApplication::setApplicationVersion(QStringLiteral(FCEMU_VERSION));

    QCommandLineParser parser;
    addOptions(parser);
    parser.process(app);

    Fcemu::Ui::applyTheme(Fcemu::Ui::themeFromName(QSettings().value(u"view/theme"_qs).toString()));
    Fcemu::Ui::MainWindow window;
    window.show();
    if (parser.isSet(u"config"_qs))
        window.importConfig(parser.value(u"config"_qs));
    const QStringList images = parser.positionalArguments();
    if (images.isEmpty())
        window.openSample();
    else
        window.openImage(images.first());

    std::unique_ptr<Fcemu::Ui::ScreenshotTour> tour;
    if (parser.isSet(u"screenshots"_qs))
        tour =
            std::make_unique<Fcemu::Ui::ScreenshotTour>(&window, parser.value(u"screenshots"_qs));
    return QApplication::exec();
}
