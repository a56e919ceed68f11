// MainWindow's picker of the functions of an imported config file: an s.yaml (fc3, fc) or a
// Funcraft template.yml often declares several functions; the picker above the request list
// lists them and loads the one chosen, and every panel follows it.
#include "MainWindow.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

#include "MessageBanner.h"
#include "config/ConfigFile.h"
#include "config/ConfigImages.h"
#include "registry/Reference.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

QWidget *MainWindow::createFunctionPicker()
{
    m_functionBar = new QWidget(this);
    m_functionBar->setObjectName(u"functionBar"_qs);
    auto *row = new QHBoxLayout(m_functionBar);
    row->setContentsMargins(0, 0, 0, 2);
    auto *label = new QLabel(tr("&Function:"), m_functionBar);
    m_functionPicker = new QComboBox(m_functionBar);
    m_functionPicker->setObjectName(u"functionPicker"_qs);
    m_functionPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_functionPicker->setToolTip(
        tr("The functions of the imported file: the one chosen is loaded with its settings (and "
           "its image, when the file names one), and every panel shows it"));
    label->setBuddy(m_functionPicker);
    row->addWidget(label);
    row->addWidget(m_functionPicker);
    row->addStretch(1);
    connect(m_functionPicker, &QComboBox::activated, this,
            [this](int index) { selectConfigFunction(m_functionPicker->itemText(index)); });
    m_functionBar->hide();
    return m_functionBar;
}

void MainWindow::updateFunctionPicker(const QString &path, const QString &current)
{
    auto names = Config::listConfigFunctions(path);
    if (!names || names->size() < 2) {
        m_configPath.clear();
        m_functionBar->hide();
        return;
    }
    m_configPath = path;
    const QSignalBlocker quiet(m_functionPicker);
    m_functionPicker->clear();
    m_functionPicker->addItems(*names);
    m_functionPicker->setCurrentIndex(std::max(0, int(names->indexOf(current))));
    m_functionBar->show();
}

QStringList MainWindow::configFunctions() const
{
    QStringList names;
    if (!m_configPath.isEmpty())
        for (int i = 0; i < m_functionPicker->count(); ++i)
            names << m_functionPicker->itemText(i);
    return names;
}

QString MainWindow::currentConfigFunction() const
{
    return m_configPath.isEmpty() ? QString() : m_functionPicker->currentText();
}

void MainWindow::selectConfigFunction(const QString &name)
{
    if (m_configPath.isEmpty())
        return;
    {
        const QSignalBlocker quiet(m_functionPicker);
        m_functionPicker->setCurrentIndex(m_functionPicker->findText(name));
    }
    // The image the file names for the function: opening it gives the function its own image
    // (a fresh request list follows, as for any other image).
    QString image;
    if (auto images = Config::listConfigImages(m_configPath))
        for (const Config::ConfigFunctionImage &f : *images)
            if (f.functionName == name)
                image = f.image;
    const bool openable =
        !image.isEmpty() && (QFileInfo::exists(image) || Registry::looksLikeReference(image));
    if (openable && imageKey(image) != m_loadedKey) {
        auto config = Config::loadConfigFile(m_configPath, name);
        if (!config) {
            m_banner->showMessage(config.error().message, MessageBanner::Kind::Error);
            return;
        }
        openImage(image, *config);
        return;
    }
    // The same image (or none named): the function's settings on it, and a fresh list so that
    // no panel sets one function's calls beside another's.
    if (m_session->isLoaded())
        clearSession();
    importConfig(m_configPath, name);
}

} // namespace Fcemu::Ui
