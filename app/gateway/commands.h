#pragma once

namespace sb::cli {

int run_ask(int argc, char** argv);
int run_batch(int argc, char** argv);
int run_simulate(int argc, char** argv);
int run_demo(int argc, char** argv);
int run_keys(int argc, char** argv);
int run_serve(int argc, char** argv);
int run_secrets(int argc, char** argv);
int run_history(int argc, char** argv);

}  // namespace sb::cli
