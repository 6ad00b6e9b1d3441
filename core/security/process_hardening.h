#pragma once
// What a process holding API keys does at start so they do not leak through the system:
// it marks itself non-dumpable (no core file, and other processes of the same user cannot
// ptrace it or read its memory) — as ssh-agent and gpg-agent do. SWITCHBOARD_CORE_DUMPS=1
// turns core files back on for debugging; those cores then hold the keys in memory.
namespace sb {

// Returns whether core dumps are now off.
bool forbid_core_dumps();

}  // namespace sb
