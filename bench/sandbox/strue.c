/* The smallest static entrypoint: what the start-up benchmark and tests start. */
int main(void)
{
    return 0;
}
