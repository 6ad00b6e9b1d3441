// The history's text at rest, over a real engine, the loopback simulator and a real SQLite
// file: with privacy.redact_history and privacy.encrypt_history on, a prompt holding an
// e-mail address, a card number and a key shape is stored masked and encrypted (the database
// files hold none of it in plain text), the History page's worker shows it decrypted, error
// messages are masked too, and `rotate-key` re-encrypts every row under a new key — rows
// written before encryption was on included — while an interrupted rotation loses nothing.
// The same rules cover the two other stores of text: saved Playground conversations and batch
// outputs (sealed while the batch runs, masked once its output file holds the real answers).
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "../support/engine_fixture.h"
#include "engine/batch_runner.h"
#include "engine/engine.h"
#include "engine/history_mapping.h"
#include "model/digest.h"
#include "console/history_source.h"
#include "history/history_query_worker.h"
#include "security/field_cipher.h"
#include "security/key_file.h"
#include "store/batch_store.h"
#include "store/conversation_store.h"
#include "store/history_key_rotation.h"
#include "store/history_query.h"
#include "store/history_writer.h"

using namespace sb;

namespace {

const std::string kEmail = "jane.doe@example.com";
const std::string kCard = "4111 1111 1111 1111";
const std::string kKeyShape = "sk-ant-api03-" + std::string("T3stOnlyNotAKey") + std::string(30, 'z');

ChatRequest question(const std::string& text) {
    ChatRequest request;
    request.provider = "openai";
    request.messages = {{Role::User, text}};
    request.source = "test";
    return request;
}

std::string file_bytes(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().toStdString() : std::string();
}

std::vector<HistoryRecord> all_rows(const std::filesystem::path& db) {
    auto reader = HistoryReader::open(db);
    if (!reader) return {};
    auto page = reader->page({}, std::nullopt, 1000);
    return page ? page->rows : std::vector<HistoryRecord>{};
}

}  // namespace

class TestHistoryPrivacy : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::filesystem::path path(const QString& name) const { return m_dir.filePath(name).toStdString(); }

    std::unique_ptr<Engine> engine(const QString& db, bool redact, bool encrypt, bool echo = false) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        // The simulator answers with the transcript, so the answers hold the personal data too.
        if (echo)
            for (auto& provider : options.config.providers) provider.headers.emplace_back("x-sim-echo", "1");
        options.config.privacy.redact_history = redact;
        options.config.privacy.encrypt_history = encrypt;
        options.config.privacy.history_key_file = path("keys/history.key").string();
        options.database = path(db);
        auto created = Engine::create(std::move(options));
        if (!created) qFatal("engine: %s", created.error().c_str());
        return std::move(*created);
    }

    void ask_and_flush(Engine& e, const std::string& text) {
        const auto result = test::ask(e, question(text));
        QVERIFY(result.ok());
        QVERIFY(e.history()->flush(std::chrono::seconds(10)).has_value());
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void textIsStoredMaskedAndEncrypted() {
        const std::string prompt = "I am " + kEmail + ", card " + kCard + ", and my key " + kKeyShape + " fails.";
        {
            auto e = engine("private.db", true, true);
            ask_and_flush(*e, prompt);
            const auto rows = all_rows(path("private.db"));
            QCOMPARE(rows.size(), std::size_t(1));
            QVERIFY(FieldCipher::is_encrypted(rows[0].prompt_text));
            QVERIFY(FieldCipher::is_encrypted(rows[0].response_text));
            const auto opened = e->history_cipher()->decrypt(rows[0].prompt_text);
            QVERIFY(opened.has_value());
            QCOMPARE(*opened, std::string("user: I am [e-mail], card [card number], and my key [api key] fails."));
        }
        // Nothing of it is in the database files, WAL included.
        const std::string bytes = file_bytes(m_dir.filePath("private.db")) + file_bytes(m_dir.filePath("private.db-wal"));
        QVERIFY(!bytes.empty());
        for (const auto& secret : {kEmail, kCard, kKeyShape, std::string("I am ")})
            QVERIFY2(bytes.find(secret) == std::string::npos, secret.c_str());

        // The History page's worker shows the (masked) text, and without the key says why it cannot.
        auto cipher = FieldCipher::from_key_file(path("keys/history.key"));
        QVERIFY(cipher.has_value());
        for (const FieldCipher* with : {static_cast<const FieldCipher*>(&*cipher), static_cast<const FieldCipher*>(nullptr)}) {
            HistoryQueryWorker worker(sb::local_history_source(m_dir.filePath("private.db").toStdString(), with));
            QSignalSpy ready(&worker, &HistoryQueryWorker::pageReady);
            HistoryPageRequest request;
            worker.runPage(request);
            QCOMPARE(ready.count(), 1);
            const auto result = ready.at(0).at(0).value<HistoryPageResult>();
            QCOMPARE(result.rows.size(), std::size_t(1));
            if (with)
                QVERIFY(result.rows[0].prompt_text.starts_with("user: I am [e-mail]"));
            else
                QCOMPARE(result.rows[0].prompt_text, std::string("[encrypted text: privacy.encrypt_history is off]"));
        }
    }

    void errorMessagesAreMaskedToo() {
        RequestResult result;
        result.outcome = std::unexpected(Error{ErrorClass::Auth, "Incorrect API key provided: " + kKeyShape + " (" + kEmail + ")"});
        const auto record = history_record(question("hi"), result, {true, true, nullptr});
        QCOMPARE(record.error_message, std::string("Incorrect API key provided: [api key] ([e-mail])"));
        const auto plain = history_record(question("hi"), result, {true, false, nullptr});
        QVERIFY(plain.error_message.find(kEmail) != std::string::npos);  // redaction is the rule's choice
    }

    // A photo is kept as what it is — kind, media type, size and SHA-256 of its bytes — never as
    // the megabytes of its base64.
    void mediaPartsAreKeptAsReferences() {
        auto request = question("Is this parcel damaged?");
        ContentPart text;
        text.text = request.messages[0].content;
        ContentPart photo;
        photo.kind = ContentPart::Kind::Image;
        photo.media_type = "image/png";
        photo.data_base64 = std::string(400'000, 'A');  // 300,000 zero bytes
        ContentPart linked;
        linked.kind = ContentPart::Kind::Image;
        linked.url = "https://example.com/parcel.jpg";
        request.messages[0].parts = {text, photo, linked};
        RequestResult result;
        result.outcome = ChatResponse{};
        const auto record = history_record(request, result, {true, false, nullptr});
        QCOMPARE(record.prompt_text,
                 "user: Is this parcel damaged? [image image/png 300000 bytes sha256:" +
                     sha256_hex(std::string(300'000, '\0')) + "] [image https://example.com/parcel.jpg]");
        QVERIFY(record.prompt_text.find("AAAA") == std::string::npos);
    }

    void rotationReencryptsEveryRowAndSurvivesAnInterruption() {
        // A row from before encryption was on, then encrypted rows.
        { auto e = engine("rotate.db", false, false); ask_and_flush(*e, "plain question from before"); }
        { auto e = engine("rotate.db", false, true); ask_and_flush(*e, "encrypted question"); }
        const auto key_file = path("keys/history.key");
        const auto old_key = load_key_file(key_file);
        QVERIFY(old_key.has_value());

        // Interrupted: the new key exists, no row was rewritten; new rows use it, old ones still open.
        QVERIFY(load_or_create_key_file(path("keys/history.key.new")).has_value());
        { auto e = engine("rotate.db", false, true); ask_and_flush(*e, "written mid-rotation"); }
        auto both = FieldCipher::from_key_file(key_file);
        QVERIFY(both.has_value());
        for (const auto& row : all_rows(path("rotate.db"))) QVERIFY(both->decrypt(row.prompt_text).has_value());

        const auto report = rotate_history_key(path("rotate.db"), key_file);
        QVERIFY2(report.has_value(), report ? "" : report.error().c_str());
        QCOMPARE(report->rows, std::size_t(3));
        QCOMPARE(report->fields, std::size_t(6));
        QVERIFY(!std::filesystem::exists(path("keys/history.key.new")));
        QVERIFY(std::filesystem::exists(path("keys/history.key.previous")));

        const FieldCipher old_only({*old_key});
        auto current = FieldCipher::from_key_file(key_file);
        QVERIFY(current.has_value());
        const auto new_key = load_key_file(key_file);
        const FieldCipher new_only({*new_key});
        std::vector<std::string> prompts;
        for (const auto& row : all_rows(path("rotate.db"))) {
            QVERIFY(FieldCipher::is_encrypted(row.prompt_text));  // the plain row too
            QVERIFY(!old_only.decrypt(row.prompt_text).has_value());
            prompts.push_back(*new_only.decrypt(row.prompt_text));
        }
        std::sort(prompts.begin(), prompts.end());
        QCOMPARE(prompts, (std::vector<std::string>{"user: encrypted question", "user: plain question from before",
                                                     "user: written mid-rotation"}));
    }

    void conversationsAreMaskedAndSealed() {
        Conversation sent;
        sent.title = "Refund for " + kEmail;
        sent.system_prompt = "The customer's card is " + kCard + ".";
        sent.turns = {{Role::User, "My key " + kKeyShape + " and e-mail " + kEmail}, {Role::Assistant, "Noted."}};
        std::int64_t id = 0;
        {
            auto e = engine("conversations.db", true, true);
            // The Playground's repository opens the store with exactly this policy.
            auto store = ConversationStore::open(path("conversations.db"), {}, e->history_text_policy().stored());
            QVERIFY(store.has_value());
            const auto saved = store->save(sent);
            QVERIFY(saved.has_value());
            id = saved->id;
            QCOMPARE(saved->title, std::string("Refund for [e-mail]"));  // what was stored, as the page is told
            const auto loaded = store->load(id);
            QVERIFY(loaded.has_value() && loaded->has_value());
            QCOMPARE((*loaded)->system_prompt, std::string("The customer's card is [card number]."));
            QCOMPARE((*loaded)->turns[0].text, std::string("My key [api key] and e-mail [e-mail]"));
            QCOMPARE((*loaded)->turns[1].text, std::string("Noted."));
            const auto list = store->list();
            QVERIFY(list.has_value() && list->size() == 1);
            QCOMPARE(list->front().title, std::string("Refund for [e-mail]"));
        }
        const std::string bytes =
            file_bytes(m_dir.filePath("conversations.db")) + file_bytes(m_dir.filePath("conversations.db-wal"));
        for (const auto& secret : {kEmail, kCard, kKeyShape, std::string("Refund for"), std::string("Noted.")})
            QVERIFY2(bytes.find(secret) == std::string::npos, secret.c_str());

        // Without the key the page says why it cannot open it, and lists the title as sealed.
        auto keyless = ConversationStore::open(path("conversations.db"));
        QVERIFY(keyless.has_value());
        const auto loaded = keyless->load(id);
        QVERIFY(!loaded.has_value());
        QVERIFY2(loaded.error().message.find("privacy.encrypt_history is off") != std::string::npos,
                 loaded.error().message.c_str());
        const auto list = keyless->list();
        QVERIFY(list.has_value() && list->size() == 1);
        QVERIFY(list->front().title.starts_with("[encrypted title: "));
    }

    void batchOutputsAreSealedAndMaskedOnceWritten() {
        const QString input = m_dir.filePath("private-batch.jsonl");
        {
            std::ofstream out(input.toStdString());
            for (int i = 1; i <= 3; ++i)
                out << nlohmann::json{{"custom_id", "line-" + std::to_string(i)},
                                      {"method", "POST"},
                                      {"url", "/v1/chat/completions"},
                                      {"body", {{"model", "gpt-4o-mini"},
                                                {"messages", {{{"role", "user"},
                                                               {"content", "Question " + std::to_string(i) + " from " +
                                                                               kEmail + ", card " + kCard}}}}}}}
                           .dump()
                    << '\n';
        }
        BatchOptions options;
        options.input = input.toStdString();
        options.output = path("private-batch.out.jsonl");
        std::string batch_id;
        {
            auto e = engine("batch.db", true, true, /*echo=*/true);
            const auto summary = run_batch(*e, options);
            QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
            QCOMPARE(summary->succeeded, std::int64_t(3));
            batch_id = summary->batch_id;
            // The output file holds the real answers: the simulator echoed the address.
            QVERIFY(file_bytes(QString::fromStdString(options.output.string())).find(kEmail) != std::string::npos);

            // A second run cannot write the masked copies out as if they were the answers.
            const auto again = run_batch(*e, options);
            QVERIFY(!again.has_value());
            QVERIFY2(again.error().find("--restart") != std::string::npos, again.error().c_str());
            QVERIFY(file_bytes(QString::fromStdString(options.output.string())).find(kEmail) != std::string::npos);

            // The stored copies are sealed, and masked inside.
            auto store = BatchStore::open(path("batch.db"));
            QVERIFY(store.has_value());
            const auto rows = store->batch_results(batch_id);
            QVERIFY(rows.has_value() && rows->size() == 3);
            for (const auto& row : *rows) {
                QVERIFY(FieldCipher::is_encrypted(row.output_json));
                const auto opened = e->history_cipher()->decrypt(row.output_json);
                QVERIFY(opened.has_value());
                QVERIFY(nlohmann::json::parse(*opened)["response"]["body"]["choices"].is_array());  // still JSON
                QVERIFY2(opened->find("[e-mail]") != std::string::npos, opened->c_str());
                QVERIFY(opened->find(kEmail) == std::string::npos);
            }
        }
        const std::string bytes = file_bytes(m_dir.filePath("batch.db")) + file_bytes(m_dir.filePath("batch.db-wal"));
        QVERIFY(!bytes.empty());
        for (const auto& secret : {kEmail, kCard, std::string("Question 1 from")})
            QVERIFY2(bytes.find(secret) == std::string::npos, secret.c_str());
    }

    void batchOutputsStaySealedAndWholeWithoutRedaction() {
        const QString input = m_dir.filePath("sealed-batch.jsonl");
        {
            std::ofstream out(input.toStdString());
            out << nlohmann::json{{"custom_id", "only"},
                                  {"method", "POST"},
                                  {"url", "/v1/chat/completions"},
                                  {"body", {{"model", "gpt-4o-mini"},
                                            {"messages", {{{"role", "user"}, {"content", "Write to " + kEmail}}}}}}}
                       .dump()
                << '\n';
        }
        BatchOptions options;
        options.input = input.toStdString();
        options.output = path("sealed-batch.out.jsonl");
        auto e = engine("sealed-batch.db", false, true, /*echo=*/true);
        QVERIFY(run_batch(*e, options).has_value());
        // Re-running a finished, unmasked batch writes the same answers out again, decrypted.
        std::filesystem::remove(options.output);
        const auto again = run_batch(*e, options);
        QVERIFY2(again.has_value(), again ? "" : again.error().c_str());
        QCOMPARE(again->resumed, std::int64_t(1));
        QVERIFY(file_bytes(QString::fromStdString(options.output.string())).find(kEmail) != std::string::npos);
        const std::string bytes =
            file_bytes(m_dir.filePath("sealed-batch.db")) + file_bytes(m_dir.filePath("sealed-batch.db-wal"));
        QVERIFY(bytes.find(kEmail) == std::string::npos);
    }

    void rotationCoversConversationsAndBatchOutputs() {
        // conversations.db and batch.db were written by the tests above under history.key.
        const auto key_file = path("keys/history.key");
        const auto old_key = load_key_file(key_file);
        QVERIFY(old_key.has_value());
        for (const char* db : {"conversations.db", "batch.db"}) {
            const auto report = rotate_history_key(path(db), key_file);
            QVERIFY2(report.has_value(), report ? "" : report.error().c_str());
            QVERIFY(report->rows > 0);
        }
        // Each rotation made a new key: the current one and the one it replaced open everything,
        // the key both files were written under opens nothing.
        const FieldCipher old_only({*old_key});
        auto rotated = FieldCipher::from_key_file(key_file);
        QVERIFY(rotated.has_value());
        const FieldCipher& new_only = *rotated;
        auto conversations = ConversationStore::open(path("conversations.db"), {}, {false, &new_only});
        QVERIFY(conversations.has_value());
        const auto list = conversations->list();
        QVERIFY(list.has_value() && list->size() == 1);
        QCOMPARE(list->front().title, std::string("Refund for [e-mail]"));
        auto stale = ConversationStore::open(path("conversations.db"), {}, {false, &old_only});
        QVERIFY(!stale->load(list->front().id).has_value());

        auto batches = BatchStore::open(path("batch.db"));
        QVERIFY(batches.has_value());
        auto info = batches->database().prepare("SELECT batch_id FROM batches", "test");
        QVERIFY(info.has_value());
        QVERIFY(*info->step("test"));
        const auto rows = batches->batch_results(info->text(0));
        QVERIFY(rows.has_value() && rows->size() == 3);
        for (const auto& row : *rows) {
            QVERIFY(!old_only.decrypt(row.output_json).has_value());
            QVERIFY(new_only.decrypt(row.output_json).has_value());
        }
    }
};

QTEST_MAIN(TestHistoryPrivacy)
#include "tst_history_privacy.moc"
