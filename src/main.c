/* main.c - placeholder until the command line lands. */
#include "exitcodes.h"
int main(void) { return PR_EXIT_RUNNER; }
