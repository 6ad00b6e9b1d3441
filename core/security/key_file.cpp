#include "security/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <vector>

namespace sb {

namespace {

// Far more than the 45 bytes of a key and its newline; a larger file is not a key file.
constexpr std::size_t kMaxFileSize = 1024;

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

std::unexpected<std::string> path_error(const std::filesystem::path& path, std::string what) {
    return std::unexpected(path.string() + ": " + what);
}

struct Fd {
    int fd = -1;
    explicit Fd(int descriptor) : fd(descriptor) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// Why a key file with this mode is refused, or empty if it is not.
std::string access_problem(mode_t mode) {
    if (mode & S_IROTH) return "readable by others";
    if (mode & S_IRGRP) return "readable by group";
    if (mode & (S_IWGRP | S_IWOTH)) return "writable by group or others";
    if (mode & (S_IXGRP | S_IXOTH)) return "accessible by group or others";
    return {};
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// `text` is what the file holds, read up to one byte past kMaxFileSize.
std::expected<FernetKey, std::string> parse_key_text(const std::filesystem::path& path,
                                                     std::string_view text) {
    if (text.size() > kMaxFileSize)
        return path_error(path,
                          "not a Fernet key file (grew past " + std::to_string(kMaxFileSize) + " bytes)");
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    if (text.empty())
        return path_error(path, "empty; expected a Fernet key (44 characters of url-safe base64)");
    auto key = FernetKey::parse(text);
    if (!key) return path_error(path, key.error());
    return key;
}

// The key in an open file; `path` only names it in errors.
std::expected<FernetKey, std::string> read_key(const std::filesystem::path& path, int fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) return path_error(path, "cannot stat: " + errno_text(errno));
    if (!S_ISREG(info.st_mode)) return path_error(path, "not a regular file");
    if (const auto problem = access_problem(info.st_mode); !problem.empty())
        return path_error(path, problem + " (mode " + octal_mode(info.st_mode) + "); chmod 600 it");
    if (static_cast<std::size_t>(info.st_size) > kMaxFileSize)
        return path_error(path, "not a Fernet key file (" + std::to_string(info.st_size) + " bytes)");

    std::vector<char> buffer(kMaxFileSize + 1);
    std::size_t size = 0;
    while (size < buffer.size()) {
        const ssize_t got = ::read(fd, buffer.data() + size, buffer.size() - size);
        if (got < 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            OPENSSL_cleanse(buffer.data(), buffer.size());
            return path_error(path, "cannot read: " + errno_text(error));
        }
        if (got == 0) break;
        size += static_cast<std::size_t>(got);
    }
    auto key = parse_key_text(path, std::string_view(buffer.data(), size));
    OPENSSL_cleanse(buffer.data(), buffer.size());
    return key;
}

// Creates the missing directories above `file`, each 0700.
std::expected<void, std::string> create_parent_directories(const std::filesystem::path& file) {
    std::vector<std::filesystem::path> missing;
    std::error_code ec;
    for (auto dir = file.parent_path(); !dir.empty() && !std::filesystem::exists(dir, ec);
         dir = dir.parent_path()) {
        missing.push_back(dir);
        if (dir == dir.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) == 0) continue;
        if (errno == EEXIST) continue;  // made meanwhile by another process
        return path_error(*it, "cannot create directory: " + errno_text(errno));
    }
    return {};
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

}  // namespace

std::expected<FernetKey, std::string> load_key_file(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO planted in place of the file must not hang; it is then refused
    // as not a regular file.
    Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (file.fd < 0) return path_error(path, "cannot open: " + errno_text(errno));
    return read_key(path, file.fd);
}

std::expected<LoadedKeyFile, std::string> load_or_create_key_file(const std::filesystem::path& path) {
    {
        Fd existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        if (existing.fd >= 0) {
            auto key = read_key(path, existing.fd);
            if (!key) return std::unexpected(key.error());
            return LoadedKeyFile{std::move(*key), false};
        }
        if (errno != ENOENT) return path_error(path, "cannot open: " + errno_text(errno));
    }
    if (auto made = create_parent_directories(path); !made) return std::unexpected(made.error());

    auto key = FernetKey::generate();
    if (!key) return std::unexpected(key.error());
    // Created 0600 from the start, so the key is never readable by others, not even briefly;
    // O_EXCL so an existing file, or a symlink planted here, is never written through.
    Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (file.fd < 0) {
        if (errno == EEXIST) {  // another process created it between our open and this one
            auto loaded = load_key_file(path);
            if (!loaded) return std::unexpected(loaded.error());
            return LoadedKeyFile{std::move(*loaded), false};
        }
        return path_error(path, "cannot create: " + errno_text(errno));
    }
    std::string text = key->to_base64() + "\n";
    const bool written = write_all(file.fd, text) && ::fsync(file.fd) == 0;
    const int error = errno;
    OPENSSL_cleanse(text.data(), text.size());
    if (!written) {
        ::unlink(path.c_str());  // ours, and half-written: a later start would refuse it
        return path_error(path, "cannot write: " + errno_text(error));
    }
    // Best effort: makes the new directory entry durable, so a crash cannot lose the key
    // after data was encrypted with it. Some file systems refuse fsync on a directory.
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    if (Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir_fd.fd >= 0)
        (void)::fsync(dir_fd.fd);
    return LoadedKeyFile{std::move(*key), true};
}

}  // namespace sb
