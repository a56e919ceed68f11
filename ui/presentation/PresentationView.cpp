#include "PresentationView.h"

#include <algorithm>

#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "ColdWarmCard.h"
#include "Scenario.h"
#include "ScenarioRunner.h"
#include "common/Format.h"
#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/InstancesInspector.h"
#include "runtime/InstanceSetup.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

constexpr int kStepColumn = 0;
constexpr int kNarrationColumn = 1;
constexpr int kResultColumn = 2;

QString stepLabel(const ScenarioStep &step)
{
    switch (step.kind) {
    case ScenarioStep::Kind::Invoke:
        return step.count == 1
                   ? QCoreApplication::translate("Fcemu::Ui::PresentationView", "Call")
                   : QCoreApplication::translate("Fcemu::Ui::PresentationView", "Call ×%1")
                         .arg(step.count);
    case ScenarioStep::Kind::WaitForReclaim:
        return QCoreApplication::translate("Fcemu::Ui::PresentationView", "Wait for reclaim");
    case ScenarioStep::Kind::Burst:
        return QCoreApplication::translate("Fcemu::Ui::PresentationView", "Burst ×%1")
            .arg(step.count);
    }
    return {};
}

QFont scaledFont(const QFont &base, qreal factor, bool bold = false)
{
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * factor);
    f.setBold(bold);
    return f;
}

} // namespace

PresentationView::PresentationView(Session::FunctionSession *session, InstanceTimeline *timeline,
                                   std::function<QString()> send, QWidget *parent)
    : QWidget(parent, Qt::Window), m_session(session), m_runner(new ScenarioRunner(session, this)),
      m_send(std::move(send)), m_timeline(timeline)
{
    setObjectName(u"presentationView"_qs);
    setWindowTitle(tr("fcemu — Presentation"));
    m_basePointSize = QApplication::font().pointSizeF();
    m_runner->setSubmit([this](const ScenarioStep &step) {
        if (step.event.isEmpty() && m_send)
            return m_send();
        return m_session->invokeEvent(step.event.isEmpty() ? QByteArray("{}") : step.event);
    });

    m_title = new QLabel(this);
    m_title->setObjectName(u"title"_qs);
    auto *open = new QPushButton(tr("Open…"), this);
    open->setToolTip(tr("Open a scenario saved as JSON"));
    auto *save = new QPushButton(tr("Save…"), this);
    save->setToolTip(tr("Save this scenario, with your narration, as JSON"));
    auto *leave = new QPushButton(tr("Leave (Esc)"), this);
    leave->setObjectName(u"leave"_qs);
    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(open);
    top->addWidget(save);
    top->addWidget(leave);

    m_narration = new QLabel(this);
    m_narration->setObjectName(u"narration"_qs);
    m_narration->setWordWrap(true);
    m_narration->setTextFormat(Qt::PlainText);
    m_result = new QLabel(this);
    m_result->setObjectName(u"result"_qs);
    m_result->setWordWrap(true);
    m_note = new QLabel(this);
    m_note->setObjectName(u"note"_qs);
    m_note->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setObjectName(u"error"_qs);
    m_error->setWordWrap(true);
    m_error->hide();

    m_play = new QPushButton(tr("Play"), this);
    m_play->setObjectName(u"play"_qs);
    m_pause = new QPushButton(tr("Pause"), this);
    m_pause->setObjectName(u"pause"_qs);
    m_next = new QPushButton(tr("Next step"), this);
    m_next->setObjectName(u"nextStep"_qs);
    m_restart = new QPushButton(tr("Restart"), this);
    m_restart->setObjectName(u"restart"_qs);
    m_stepCount = new QLabel(this);
    m_stepCount->setObjectName(u"stepCount"_qs);
    auto *controls = new QHBoxLayout;
    for (QPushButton *button : {m_play, m_pause, m_next, m_restart})
        controls->addWidget(button);
    controls->addSpacing(16);
    controls->addWidget(m_stepCount, 1);

    m_card = new ColdWarmCard(this);
    auto *cardScroll = new QScrollArea(this);
    cardScroll->setWidget(m_card);
    cardScroll->setWidgetResizable(true);
    cardScroll->setFrameShape(QFrame::NoFrame);

    if (!m_timeline) { // no Instances dock to share: a timeline of its own
        m_timeline = new InstanceTimeline(this);
        connect(m_session, &Session::FunctionSession::instanceStateChanged, m_timeline,
                &InstanceTimeline::record);
    }
    m_lanes = new InstanceLanesView(m_timeline, this);
    m_lanes->setObjectName(u"presentationLanes"_qs);
    auto *lanesScroll = new QScrollArea(this);
    lanesScroll->setWidget(m_lanes);
    lanesScroll->setWidgetResizable(true);
    lanesScroll->setFrameShape(QFrame::NoFrame);
    auto *lanesTitle = new QLabel(tr("Instances"), this);
    lanesTitle->setObjectName(u"lanesTitle"_qs);

    m_steps = new QTableWidget(0, 3, this);
    m_steps->setObjectName(u"steps"_qs);
    m_steps->setHorizontalHeaderLabels({tr("Step"), tr("Narration"), tr("What happened")});
    m_steps->horizontalHeaderItem(kNarrationColumn)
        ->setToolTip(tr("Double-click a narration to put it in your own words"));
    m_steps->verticalHeader()->hide();
    m_steps->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_steps->setSelectionMode(QAbstractItemView::SingleSelection);
    m_steps->setWordWrap(true);
    m_steps->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_steps->horizontalHeader()->setSectionResizeMode(kStepColumn, QHeaderView::ResizeToContents);
    m_steps->horizontalHeader()->setSectionResizeMode(kNarrationColumn, QHeaderView::Stretch);
    m_steps->horizontalHeader()->setSectionResizeMode(kResultColumn, QHeaderView::Stretch);

    auto *right = new QVBoxLayout;
    right->addWidget(lanesTitle);
    right->addWidget(lanesScroll, 2);
    right->addWidget(m_steps, 3);
    auto *body = new QHBoxLayout;
    body->setSpacing(24);
    body->addWidget(cardScroll, 3);
    body->addLayout(right, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 16, 24, 16);
    layout->addLayout(top);
    layout->addWidget(m_narration);
    layout->addWidget(m_result);
    layout->addWidget(m_note);
    layout->addWidget(m_error);
    layout->addLayout(controls);
    layout->addLayout(body, 1);

    connect(m_play, &QPushButton::clicked, m_runner, &ScenarioRunner::play);
    connect(m_pause, &QPushButton::clicked, m_runner, &ScenarioRunner::pause);
    connect(m_next, &QPushButton::clicked, m_runner, &ScenarioRunner::next);
    connect(m_restart, &QPushButton::clicked, m_runner, &ScenarioRunner::restart);
    connect(leave, &QPushButton::clicked, this, &QWidget::close);
    connect(open, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open Scenario"), QString(), tr("fcemu scenario (*.json);;All files (*)"));
        if (!path.isEmpty())
            (void)openScenario(path);
    });
    connect(save, &QPushButton::clicked, this, [this]() {
        QString path = QFileDialog::getSaveFileName(this, tr("Save Scenario"), tr("scenario.json"),
                                                    tr("fcemu scenario (*.json)"));
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += u".json"_qs;
        (void)saveScenario(path);
    });
    for (const auto &[keys, factor] : {std::pair{QKeySequence(QKeySequence::ZoomIn), 1.1},
                                       std::pair{QKeySequence(tr("Ctrl+=")), 1.1},
                                       std::pair{QKeySequence(QKeySequence::ZoomOut), 1 / 1.1}}) {
        auto *shortcut = new QShortcut(keys, this);
        connect(shortcut, &QShortcut::activated, this, [this, f = factor]() { zoomBy(f); });
    }
    for (const QKeySequence &keys : {QKeySequence(Qt::Key_F11), QKeySequence(tr("Ctrl+Shift+P"))}) {
        auto *shortcut = new QShortcut(keys, this);
        connect(shortcut, &QShortcut::activated, this, &QWidget::close);
    }

    connect(m_runner, &ScenarioRunner::stateChanged, this, &PresentationView::showStep);
    connect(m_runner, &ScenarioRunner::stepStarted, this, &PresentationView::showStep);
    connect(m_runner, &ScenarioRunner::stepFinished, this, &PresentationView::showStep);
    connect(m_runner, &ScenarioRunner::waitTextChanged, this, &PresentationView::showStep);
    connect(m_runner, &ScenarioRunner::instancesRestarted, this, [this]() {
        // The pool goes without reporting its instances stopped: close their lanes, and not
        // as idle reclaims.
        m_timeline->noteStopRequested();
        m_timeline->stopAll(Runtime::monotonicNs());
    });
    connect(m_steps, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *item) {
        if (m_filling || item->column() != kNarrationColumn)
            return;
        m_runner->setNarration(item->row(), item->text());
        showStep();
    });

    // The card follows the session's newest calls, at most every 150 ms during a burst.
    m_cardTimer = new QTimer(this);
    m_cardTimer->setSingleShot(true);
    m_cardTimer->setInterval(150);
    connect(m_cardTimer, &QTimer::timeout, this,
            [this]() { m_card->showLatest(*m_session->records()); });
    Telemetry::RecordStore *records = m_session->records();
    connect(records, &Telemetry::RecordStore::appended, m_cardTimer, qOverload<>(&QTimer::start));
    connect(records, &Telemetry::RecordStore::cleared, m_cardTimer, qOverload<>(&QTimer::start));
    m_card->showLatest(*records);

    // Lanes that have not stopped grow with the clock.
    m_repaint = new QTimer(this);
    m_repaint->setInterval(100);
    connect(m_repaint, &QTimer::timeout, this, [this]() {
        if (m_session->isLoaded())
            m_lanes->setIdleTimeoutS(m_session->config().idleTimeoutS);
        m_lanes->update();
        if (m_runner->state() == ScenarioRunner::State::Running)
            m_result->setText(m_runner->waitText().isEmpty() ? tr("Running…")
                                                             : m_runner->waitText());
    });
    connect(m_timeline, &InstanceTimeline::changed, m_lanes, qOverload<>(&QWidget::update));
    connect(m_session, &Session::FunctionSession::loaded, this, &PresentationView::showStep);
    connect(m_session, &Session::FunctionSession::unloaded, this, &PresentationView::showStep);

    fillSteps();
    showStep();
    applyScale();
}

PresentationView::~PresentationView() = default;

qreal PresentationView::scaleFor(int height)
{
    return std::clamp(height / 560.0, 1.0, 2.6);
}

QString PresentationView::narrationText() const
{
    return m_narration->text();
}

QString PresentationView::resultText() const
{
    return m_result->text();
}

QString PresentationView::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void PresentationView::setScenario(const Scenario &scenario)
{
    m_runner->setScenario(scenario);
    fillSteps();
    showStep();
}

Status PresentationView::openScenario(const QString &path)
{
    auto scenario = loadScenario(path);
    if (!scenario) {
        showError(scenario.error().message);
        return std::unexpected(scenario.error());
    }
    m_error->hide();
    setScenario(*scenario);
    return {};
}

Status PresentationView::saveScenario(const QString &path)
{
    if (auto saved = Ui::saveScenario(m_runner->scenario(), path); !saved) {
        showError(saved.error().message);
        return saved;
    }
    m_error->hide();
    return {};
}

void PresentationView::showError(const QString &message)
{
    m_error->setText(message);
    QPalette p = m_error->palette();
    p.setColor(QPalette::WindowText, errorTextColor(palette()));
    m_error->setPalette(p);
    m_error->show();
}

void PresentationView::fillSteps()
{
    m_filling = true;
    const QList<ScenarioStep> &steps = m_runner->scenario().steps;
    m_steps->setRowCount(int(steps.size()));
    for (int row = 0; row < steps.size(); ++row) {
        auto *step = new QTableWidgetItem(
            QStringLiteral("%1. %2").arg(row + 1).arg(stepLabel(steps.at(row))));
        step->setFlags(step->flags() & ~Qt::ItemIsEditable);
        auto *narration = new QTableWidgetItem(steps.at(row).narration);
        auto *result = new QTableWidgetItem(m_runner->resultText(row));
        result->setFlags(result->flags() & ~Qt::ItemIsEditable);
        m_steps->setItem(row, kStepColumn, step);
        m_steps->setItem(row, kNarrationColumn, narration);
        m_steps->setItem(row, kResultColumn, result);
    }
    m_steps->resizeRowsToContents();
    m_filling = false;
}

void PresentationView::showStep()
{
    const Scenario &scenario = m_runner->scenario();
    const int current = m_runner->currentStep();
    m_title->setText(scenario.title.isEmpty() ? tr("Presentation") : scenario.title);
    const ScenarioRunner::State state = m_runner->state();
    if (current < 0) {
        m_narration->setText(
            tr("Press Play to run the scenario, or Next step to go one step at a time."));
        m_stepCount->setText(tr("%n step(s)", nullptr, int(scenario.steps.size())));
        m_result->clear();
    } else {
        const ScenarioStep &step = scenario.steps.at(current);
        m_narration->setText(step.narration);
        m_stepCount->setText(tr("Step %1 of %2: %3")
                                 .arg(current + 1)
                                 .arg(scenario.steps.size())
                                 .arg(stepLabel(step)));
        if (state == ScenarioRunner::State::Running)
            m_result->setText(m_runner->waitText().isEmpty() ? tr("Running…")
                                                             : m_runner->waitText());
        else
            m_result->setText(m_runner->resultText(current));
    }
    m_result->setVisible(!m_result->text().isEmpty());
    m_note->setText(m_runner->functionNote());
    m_note->setVisible(!m_note->text().isEmpty());
    m_filling = true;
    for (int row = 0; row < m_steps->rowCount() && row < scenario.steps.size(); ++row) {
        if (QTableWidgetItem *item = m_steps->item(row, kResultColumn))
            item->setText(m_runner->resultText(row));
    }
    m_filling = false;
    if (current >= 0 && current < m_steps->rowCount())
        m_steps->selectRow(current);
    m_steps->resizeRowsToContents();
    updateButtons();
}

void PresentationView::updateButtons()
{
    const ScenarioRunner::State state = m_runner->state();
    const bool loaded = m_session->isLoaded();
    m_play->setEnabled(loaded && !m_runner->isPlaying());
    m_pause->setEnabled(m_runner->isPlaying());
    m_next->setEnabled(loaded && state != ScenarioRunner::State::Running &&
                       state != ScenarioRunner::State::Finished);
    m_restart->setEnabled(loaded);
    m_play->setText(state == ScenarioRunner::State::Finished ? tr("Play again") : tr("Play"));
}

void PresentationView::zoomBy(qreal factor)
{
    m_zoom = std::clamp(m_zoom * factor, 0.6, 2.0);
    applyScale();
}

void PresentationView::applyScale()
{
    const qreal scale = scaleFor(height()) * m_zoom;
    if (std::abs(scale - m_appliedScale) < 0.02)
        return;
    m_appliedScale = scale;
    QFont f = QApplication::font();
    f.setPointSizeF(m_basePointSize * scale);
    setFont(f);
    m_title->setFont(scaledFont(f, 1.25, true));
    m_narration->setFont(scaledFont(f, 1.5));
    QFont result = f;
    result.setItalic(true);
    m_result->setFont(result);
}

void PresentationView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    applyScale();
    m_steps->resizeRowsToContents();
}

void PresentationView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_error->isHidden())
        showError(m_error->text());
}

void PresentationView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_repaint->start();
    applyScale();
}

void PresentationView::keyPressEvent(QKeyEvent *event)
{
    // Esc leaves; an editor open on a narration takes its own Esc first.
    if (event->key() == Qt::Key_Escape) {
        close();
        return;
    }
    QWidget::keyPressEvent(event);
}

void PresentationView::closeEvent(QCloseEvent *event)
{
    m_repaint->stop();
    m_runner->restoreSettings();
    QWidget::closeEvent(event);
    emit closed();
}

} // namespace Fcemu::Ui
