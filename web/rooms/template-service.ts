// Room templates: a room's settings saved under a name, one of them the
// account's default for new rooms.
import type { Repositories } from '../../core/repositories.ts';
import type { Template } from '../../core/rooms/store.ts';

export class TemplateService {
  constructor(private readonly repos: Pick<Repositories, 'templates'>) {}

  async list(accountId: string): Promise<Template[]> {
    return this.repos.templates.list(accountId);
  }

  /** The one asked for, else the default (the new-room form's starting point). */
  async chosen(accountId: string, templateId: string | undefined): Promise<{ templates: Template[]; chosen: Template | undefined }> {
    const templates = await this.list(accountId);
    return { templates, chosen: templateId ? templates.find((x) => x.id === templateId) : templates.find((x) => x.isDefault) };
  }

  async saveFromRoom(accountId: string, roomId: string, name: string, isDefault?: boolean): Promise<Template> {
    return this.repos.templates.createFromRoom(accountId, roomId, name, isDefault);
  }

  async update(accountId: string, id: string, patch: { name?: string; isDefault?: boolean }): Promise<Template> {
    return this.repos.templates.update(accountId, id, patch);
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.repos.templates.delete(accountId, id);
  }
}
