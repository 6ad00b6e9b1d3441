// The form of the provider selected on the Providers page.
#include "providers/provider_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

#include <algorithm>
#include <chrono>

#include "common/editor_style.h"
#include "providers/providers_draft.h"
#include "common/qt_text.h"

namespace {

constexpr sb::ProviderKind kKinds[] = {sb::ProviderKind::OpenAI, sb::ProviderKind::Anthropic,
                                       sb::ProviderKind::OpenAICompatible};

// Wider than the config allows, so an out-of-range value reaches the check and is named there.
QSpinBox* spinBox(QWidget* parent, int maximum, const QString& suffix) {
    auto* box = new QSpinBox(parent);
    box->setRange(0, maximum);
    box->setSuffix(suffix);
    box->setAccelerated(true);
    return box;
}

QString joined(const std::vector<std::string>& items) {
    QStringList list;
    for (const auto& item : items) list << qs(item);
    return list.join(QStringLiteral(", "));
}

std::vector<std::string> split(const QString& text) {
    std::vector<std::string> items;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty()) items.push_back(item.trimmed().toStdString());
    return items;
}

}  // namespace

ProviderForm::ProviderForm(ProvidersDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_kind(new QComboBox(this)),
      m_name(new QLineEdit(this)),
      m_url(new QLineEdit(this)),
      m_models(new QLineEdit(this)),
      m_defaultModel(new QLineEdit(this)),
      m_versionLabel(new QLabel(this)),
      m_version(new QLineEdit(this)),
      m_connect(spinBox(this, 100'000'000, QStringLiteral(" ms"))),
      m_total(spinBox(this, 100'000'000, QStringLiteral(" ms"))),
      m_idle(spinBox(this, 100'000'000, QStringLiteral(" ms"))),
      m_min(spinBox(this, 100'000, {})),
      m_initial(spinBox(this, 100'000, {})),
      m_max(spinBox(this, 100'000, {})),
      m_enabled(new QCheckBox(tr("Enabled (routing may send requests to it)"), this)),
      m_key(new QLineEdit(this)),
      m_keySource(new QLabel(this)) {
    for (const auto kind : kKinds) m_kind->addItem(qs(std::string(sb::to_string(kind))));
    m_name->setObjectName(QStringLiteral("providerName"));
    m_url->setObjectName(QStringLiteral("providerUrl"));
    m_url->setPlaceholderText(QStringLiteral("https://api.openai.com/v1"));
    m_models->setPlaceholderText(tr("models it serves, separated by commas"));
    m_version->setPlaceholderText(tr("not sent"));
    m_key->setObjectName(QStringLiteral("providerKey"));
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData | Qt::ImhNoPredictiveText);
    m_key->setPlaceholderText(tr("type a new key: stored encrypted on Apply, never shown again"));
    m_keySource->setObjectName(QStringLiteral("keySource"));

    auto* timeouts = new QHBoxLayout;
    for (auto [label, box] : {std::pair{tr("connect"), m_connect}, std::pair{tr("total"), m_total},
                              std::pair{tr("idle"), m_idle}}) {
        timeouts->addWidget(new QLabel(label, this));
        timeouts->addWidget(box, 1);
    }
    auto* concurrency = new QHBoxLayout;
    for (auto [label, box] :
         {std::pair{tr("min"), m_min}, std::pair{tr("initial"), m_initial}, std::pair{tr("max"), m_max}}) {
        concurrency->addWidget(new QLabel(label, this));
        concurrency->addWidget(box, 1);
    }
    auto* key = new QHBoxLayout;
    key->addWidget(m_key, 1);
    key->addWidget(m_keySource);

    auto* form = new QFormLayout(this);
    form->addRow(tr("Kind"), m_kind);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Base URL"), m_url);
    form->addRow(tr("Models"), m_models);
    form->addRow(tr("Default model"), m_defaultModel);
    form->addRow(m_versionLabel, m_version);
    form->addRow(tr("Timeouts"), timeouts);
    form->addRow(tr("Concurrency"), concurrency);
    form->addRow(QString(), m_enabled);
    form->addRow(tr("API key"), key);

    m_fields = {{QStringLiteral("kind"), m_kind},
                {QStringLiteral("name"), m_name},
                {QStringLiteral("base_url"), m_url},
                {QStringLiteral("models"), m_models},
                {QStringLiteral("default_model"), m_defaultModel},
                {QStringLiteral("openai_version"), m_version},
                {QStringLiteral("anthropic_version"), m_version},
                {QStringLiteral("timeouts.connect_ms"), m_connect},
                {QStringLiteral("timeouts.total_ms"), m_total},
                {QStringLiteral("timeouts.idle_ms"), m_idle},
                {QStringLiteral("concurrency.min"), m_min},
                {QStringLiteral("concurrency.initial"), m_initial},
                {QStringLiteral("concurrency.max"), m_max},
                {QStringLiteral("enabled"), m_enabled},
                {QStringLiteral("api_key"), m_key}};

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (m_loading || index < 0) return;
        change([kind = kKinds[index]](sb::ProviderConfig& p) { p.kind = kind; });
        load();  // the version field follows the kind
    });
    connect(m_name, &QLineEdit::textEdited, this, [this](const QString& text) {
        change([v = text.trimmed().toStdString()](sb::ProviderConfig& p) { p.name = v; });
    });
    connect(m_url, &QLineEdit::textEdited, this, [this](const QString& text) {
        change([v = text.trimmed().toStdString()](sb::ProviderConfig& p) { p.base_url_ref = v; });
    });
    connect(m_models, &QLineEdit::textEdited, this, [this](const QString& text) {
        change([v = split(text)](sb::ProviderConfig& p) { p.models = v; });
    });
    connect(m_defaultModel, &QLineEdit::textEdited, this, [this](const QString& text) {
        change([v = text.trimmed().toStdString()](sb::ProviderConfig& p) { p.default_model = v; });
    });
    connect(m_version, &QLineEdit::textEdited, this, [this](const QString& text) {
        change([v = text.trimmed().toStdString()](sb::ProviderConfig& p) {
            (p.kind == sb::ProviderKind::Anthropic ? p.anthropic_version : p.openai_version) = v;
        });
    });
    const auto onSpin = [this](QSpinBox* box, auto setter) {
        connect(box, &QSpinBox::valueChanged, this, [this, setter](int value) {
            change([setter, value](sb::ProviderConfig& p) { setter(p, value); });
        });
    };
    onSpin(m_connect,
           [](sb::ProviderConfig& p, int v) { p.timeouts.connect = std::chrono::milliseconds(v); });
    onSpin(m_total, [](sb::ProviderConfig& p, int v) { p.timeouts.total = std::chrono::milliseconds(v); });
    onSpin(m_idle, [](sb::ProviderConfig& p, int v) { p.timeouts.idle = std::chrono::milliseconds(v); });
    onSpin(m_min, [](sb::ProviderConfig& p, int v) { p.concurrency.min = v; });
    onSpin(m_initial, [](sb::ProviderConfig& p, int v) { p.concurrency.initial = v; });
    onSpin(m_max, [](sb::ProviderConfig& p, int v) { p.concurrency.max = v; });
    connect(m_enabled, &QCheckBox::toggled, this,
            [this](bool on) { change([on](sb::ProviderConfig& p) { p.enabled = on; }); });
    connect(m_key, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (m_loading || m_row < 0) return;
        m_draft.edit([row = m_row, key = text.trimmed().toStdString()](ProviderSheet& sheet) {
            sheet[std::size_t(row)].typed_key = key;
        });
    });
    setRow(-1);
}

template <typename Change>
void ProviderForm::change(Change&& apply) {
    if (m_loading || m_row < 0) return;
    m_draft.edit([row = m_row, &apply](ProviderSheet& sheet) { apply(sheet[std::size_t(row)].config); });
}

void ProviderForm::setRow(int row) {
    m_row = row >= 0 && row < int(m_draft.draft().size()) ? row : -1;
    m_loading = true;
    m_key->clear();
    m_loading = false;
    load();
}

void ProviderForm::load() {
    m_loading = true;
    setEnabled(m_row >= 0);
    const sb::ProviderConfig p =
        m_row >= 0 ? m_draft.draft()[std::size_t(m_row)].config : sb::ProviderConfig{};
    m_kind->setCurrentIndex(
        int(std::find(std::begin(kKinds), std::end(kKinds), p.kind) - std::begin(kKinds)));
    const auto setText = [](QLineEdit* edit, const QString& text) {
        if (edit->text() != text) edit->setText(text);
    };
    setText(m_name, qs(p.name));
    setText(m_url, qs(p.base_url_ref));
    if (split(m_models->text()) != p.models) m_models->setText(joined(p.models));
    setText(m_defaultModel, qs(p.default_model));
    const bool anthropic = p.kind == sb::ProviderKind::Anthropic;
    m_versionLabel->setText(anthropic ? tr("anthropic-version header") : tr("OpenAI-Version header"));
    setText(m_version, qs(anthropic ? p.anthropic_version : p.openai_version));
    m_connect->setValue(int(p.timeouts.connect.count()));
    m_total->setValue(int(p.timeouts.total.count()));
    m_idle->setValue(int(p.timeouts.idle.count()));
    m_min->setValue(p.concurrency.min);
    m_initial->setValue(p.concurrency.initial);
    m_max->setValue(p.concurrency.max);
    m_enabled->setChecked(p.enabled);
    m_loading = false;
    showProblems();
}

void ProviderForm::showProblems() {
    std::vector<QStringList> byField(m_fields.size());
    if (m_row >= 0) {
        const std::string prefix = "providers[" + std::to_string(m_row) + "].";
        for (const auto& error : m_draft.errors()) {
            if (!error.path.starts_with(prefix)) continue;
            const QString key = qs(error.path.substr(prefix.size()));
            for (std::size_t i = 0; i < m_fields.size(); ++i) {
                const QString& name = m_fields[i].first;
                // "models[1]" and "timeouts.connect_ms" belong to their field; so does a problem
                // of the whole object ("concurrency.min" for "must not exceed concurrency.max").
                if (key == name || key.startsWith(name + QLatin1Char('[')) ||
                    key.startsWith(name + QLatin1Char('.')))
                    byField[i] << qs(error.to_string());
            }
        }
    }
    // The version field answers to two keys: the problems of both go on it.
    std::vector<std::pair<int, QWidget*>> cells;
    std::vector<QStringList> byWidget;
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        const auto same = std::find_if(cells.begin(), cells.end(),
                                       [&](const auto& cell) { return cell.second == m_fields[i].second; });
        if (same != cells.end()) {
            byWidget[std::size_t(same->first)] << byField[i];
            continue;
        }
        cells.emplace_back(int(byWidget.size()), m_fields[i].second);
        byWidget.push_back(byField[i]);
    }
    markCells(cells, byWidget);
    m_keySource->setText(m_row >= 0 ? tr("from: %1").arg(keySource(m_draft.draft()[std::size_t(m_row)]))
                                    : QString());
}

QWidget* ProviderForm::field(const QString& key) const {
    for (const auto& [name, widget] : m_fields)
        if (name == key) return widget;
    return nullptr;
}

QString ProviderForm::keySourceText() const {
    return m_keySource->text();
}
