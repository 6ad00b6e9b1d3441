#include "dashboard/demo_traffic_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>

#include "engine_bridge.h"

DemoTrafficPanel::DemoTrafficPanel(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_button(new QPushButton(this)), m_spin(new QSpinBox(this)),
      m_slider(new QSlider(Qt::Horizontal, this)) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Demo traffic:"), this));
    layout->addWidget(m_button);
    m_slider->setRange(sb::DemoTraffic::kMinRate, sb::DemoTraffic::kMaxRate);
    m_spin->setRange(sb::DemoTraffic::kMinRate, sb::DemoTraffic::kMaxRate);
    m_spin->setSuffix(tr(" req/s"));
    m_spin->setValue(m_bridge.api().demo_traffic_rate());
    m_slider->setValue(m_spin->value());
    m_slider->setMinimumWidth(120);
    layout->addWidget(m_slider);
    layout->addWidget(m_spin);

    connect(m_slider, &QSlider::valueChanged, m_spin, &QSpinBox::setValue);
    connect(m_spin, &QSpinBox::valueChanged, m_slider, &QSlider::setValue);
    connect(m_spin, &QSpinBox::valueChanged, this, [this](int rate) { m_bridge.api().set_demo_traffic_rate(rate); });
    connect(m_button, &QPushButton::clicked, this, [this] { setRunning(!isRunning()); });

    const bool demo = m_bridge.demoMode();
    setEnabled(demo);
    if (!demo) setToolTip(tr("Demo traffic needs demo mode (providers served by the built-in simulator)."));
    syncButton();
}

bool DemoTrafficPanel::isRunning() const { return m_bridge.api().demo_traffic_running(); }

void DemoTrafficPanel::setRunning(bool running) {
    if (running == isRunning() || !m_bridge.demoMode()) return;
    if (running)
        m_bridge.api().start_demo_traffic(m_spin->value());
    else
        m_bridge.api().stop_demo_traffic();
    syncButton();
}

void DemoTrafficPanel::setRate(int requestsPerSecond) { m_spin->setValue(requestsPerSecond); }

void DemoTrafficPanel::syncButton() { m_button->setText(isRunning() ? tr("Stop") : tr("Start")); }
