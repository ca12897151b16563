/* amsel CLI entry point (stub until the commands land). */
#include <stdio.h>
int main(void) { puts("amsel"); return 0; }
